import type { EngineInspection } from '@kiln/runtime';
import type { LayerProfileReport } from '../profile.js';
import { layoutGraph } from './layout.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

/** What {@link renderEngineHtml} reports besides the page. */
export interface RenderedPage {
  html: string;
  /** Layers the profile gave a time for (0 without a profile). */
  timedLayers: number;
}

/**
 * One self-contained HTML page for an engine: header facts, the optimized layer graph (fused
 * layers as boxes with tactic, dtype and shapes; click for the fused ONNX nodes) and, with a
 * profile, per-layer time as bars. Inline CSS, JS and SVG only; a Content-Security-Policy
 * forbids every fetch.
 */
export function renderEngineHtml(info: EngineInspection, profile?: LayerProfileReport): RenderedPage {
  const layout = layoutGraph(info, profile);
  const timedLayers = layout.nodes.filter((node) => node.ms !== undefined).length;
  const data = { layout, layerCount: info.layers.length, profile: profile ? { count: profile.count } : undefined };
  const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 1)} MiB`;
  const io = (entries: EngineInspection['inputs']) => entries.map((entry) => `${entry.name} ${entry.dtype} [${entry.dims.join(', ')}]`).join('; ');
  const fact = (label: string, value: string) => `<span>${escapeHtml(label)} <b>${escapeHtml(value)}</b></span>`;
  const fallback = info.layers.filter((layer) => layer.tactic === 'reference').length;
  const facts = [
    fact('layers', String(info.layers.length)),
    fact('on reference kernels', String(fallback)),
    fact('arena', megabytes(info.arenaBytes)),
    fact('weights', megabytes(info.weightBytes)),
    fact('tactics up to', info.target.isa),
    fact('inputs', io(info.inputs)),
    fact('outputs', io(info.outputs)),
  ].join('');
  const profileHint = profile
    ? ''
    : '<p class="muted">No profile given. Measure one with <code>kiln bench --loadEngine=M.plan --dumpProfile --exportProfile=P.json</code>, then pass <code>--profile=P.json</code> to <code>kiln inspect --html</code>.</p>';
  return {
    timedLayers,
    html: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Kiln engine ${escapeHtml(info.name)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>Kiln engine “${escapeHtml(info.name)}”<small>Kiln ${escapeHtml(info.kilnVersion)}</small></h1>
<div class="facts">${facts}</div>
</header>
<main>
<section id="graph-pane">
<div class="toolbar"><input id="search" type="search" placeholder="Find a layer: name, type, tactic or ONNX node" aria-label="Find a layer"><span id="search-status"></span><span class="status" id="draw-status"></span></div>
<div id="graph"><svg id="canvas" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Optimized layer graph"></svg></div>
</section>
<aside>
<section id="details"><p class="muted">Click a layer to see its fused ONNX nodes, tactic and tensors.</p></section>
<section id="profile"><h2>Per-layer time</h2><p id="profile-summary" class="muted"></p>${profileHint}</section>
</aside>
</main>
<script type="application/json" id="kiln-data">${jsonForScript(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element: `<` is escaped, so no `</script>` or `<!--` can appear. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

import fs from 'node:fs';
import { KilnError } from '@kiln/common';
import { formatInspection, inspect, load } from '@kiln/onnx-tools';
import { type EngineInspection, Runtime } from '@kiln/runtime';
import { checkFlags, type ParsedArgs } from '../args.js';
import { readFile } from '../internal/files.js';
import { renderEngineHtml } from '../internal/html/page.js';
import { readProfile } from '../internal/profile.js';

export const INSPECT_FLAGS = ['onnx', 'loadEngine', 'exportLayerInfo', 'html', 'profile', 'help'];

/**
 * `kiln inspect --onnx=M.onnx | --loadEngine=M.plan [--exportLayerInfo=F.json] [--html=F.html [--profile=P.json]]`.
 * `--html` writes one self-contained page with the layer graph; `--profile` (from
 * `kiln bench --exportProfile`) adds per-layer times to it.
 */
export async function inspectCommand(args: ParsedArgs): Promise<number> {
  checkFlags('inspect', args, INSPECT_FLAGS);
  const onnx = args.flags.get('onnx');
  const planFile = args.flags.get('loadEngine');
  if (onnx && (args.flags.has('html') || args.flags.has('profile'))) {
    throw new KilnError('ERR_CLI_USAGE', '--html shows an engine: it needs --loadEngine=M.plan, not --onnx.', {
      expected: '--loadEngine=M.plan --html=F.html',
      found: `--onnx=${onnx}`,
      hint: `Build a plan first: kiln build --onnx=${onnx} --saveEngine=model.plan`,
    });
  }
  if (onnx) {
    console.log(formatInspection(inspect(await load(onnx))));
    return 0;
  }
  if (!planFile) throw new KilnError('ERR_CLI_USAGE', '`kiln inspect` needs --onnx=M.onnx or --loadEngine=M.plan.', { hint: 'Run `kiln inspect --help`.' });
  const info = new Runtime().deserializeEngine(readFile(planFile, 'plan')).inspect();
  console.log(formatEngine(info));
  const exportFile = args.flags.get('exportLayerInfo');
  if (exportFile) {
    fs.writeFileSync(exportFile, `${JSON.stringify(info, null, 2)}\n`);
    console.log(`Layer information written to ${exportFile}`);
  }
  const htmlFile = args.flags.get('html');
  const profileFile = args.flags.get('profile');
  if (profileFile && !htmlFile) throw new KilnError('ERR_CLI_USAGE', '--profile is read only with --html.', { expected: '--html=F.html --profile=P.json', found: `--profile=${profileFile}`, hint: 'Add --html=engine.html.' });
  if (htmlFile) {
    const profile = profileFile ? readProfile(profileFile) : undefined;
    const page = renderEngineHtml(info, profile);
    fs.writeFileSync(htmlFile, page.html);
    const timed = profile ? `, with times for ${page.timedLayers} of ${info.layers.length} layers` : '';
    console.log(`Engine page written to ${htmlFile}${timed}`);
    if (profile && page.timedLayers < info.layers.length) console.error(`kiln: the profile ${profileFile} names only ${page.timedLayers} of this engine's ${info.layers.length} layers; was it measured on another plan?`);
  }
  return 0;
}

function formatEngine(info: EngineInspection): string {
  const dims = (entry: { dims: (number | string)[] }) => `[${entry.dims.join(', ')}]`;
  const lines = [
    `Engine "${info.name}" (Kiln ${info.kilnVersion}, tactics up to ${info.target.isa})`,
    `Inputs:  ${info.inputs.map((io) => `${io.name} ${io.dtype} ${dims(io)}`).join('; ')}`,
    `Outputs: ${info.outputs.map((io) => `${io.name} ${io.dtype} ${dims(io)}`).join('; ')}`,
    `Arena: ${info.arenaBytes} bytes (all activations: ${info.activationBytes}); weights: ${info.weightBytes} bytes`,
    `Layers (${info.layers.length}):`,
  ];
  for (const [index, layer] of info.layers.entries()) {
    const epilogue = layer.epilogue ? ` + ${layer.epilogue.join(' + ')}` : '';
    lines.push(`  ${String(index).padStart(3)} ${layer.type.padEnd(14)} ${layer.tactic}${epilogue}  ${layer.name}`);
    lines.push(`      ${layer.inputs.map(dims).join(' ')} -> ${layer.outputs.map(dims).join(' ')}   from: ${layer.sources.join(' + ')}`);
  }
  return lines.join('\n');
}

// Whole inverted-residual blocks of a bf16 engine are decided between bf16 and fp32 (decideBf16Blocks):
// a conv decided alone is weighed against its fp32 tactic as a separate layer, but an fp32 block
// fuses into one f32_mbconv layer. The block is lowered from a real network; its tactics, the
// fused layers' tactics and all timings are fakes (a deterministic timing source), so the
// decisions are exact. bf16-inverted-residual.test.ts builds engines with real timing.
import { load, save } from '@kiln/onnx-tools';
import { describe, expect, it } from 'vitest';
import { NetworkDefinition } from '../src/index.js';
import { decideBf16Blocks, type MutableBf16Network } from '../src/internal/lower/bf16-blocks.js';
import type { LayerForm, TimeAlternatives } from '../src/internal/lower/bf16-forms.js';
import { cancelReformats } from '../src/internal/lower/cancel-reformats.js';
import { lowerGraph } from '../src/internal/lower/index.js';
import { readersOf } from '../src/internal/lower/narrow-activations.js';
import { sinkLayouts } from '../src/internal/lower/sink-layouts.js';
import type { LoweredLayer } from '../src/internal/lower/types.js';
import { PassContext } from '../src/internal/pass.js';
import { runPipeline } from '../src/pipeline.js';
import { randomFloat } from './helpers.js';

const BF16_1X1 = 'bf16_conv_1x1_14x32c2__avx512bf16';
const F32_1X1 = 'f32_conv_1x1_14x32__avx512';
const F32_1X1_SLOW = 'f32_conv_1x1_28x16__avx512';
const F32_DW = 'f32_dwconv_3x3__avx512';
const BF16_DW = 'bf16_dwconv_3x3__avx512bf16';

/** image [1, 16, 14, 14] → 1x1 expand 16→48 + Relu → depthwise 3x3 + Relu → 1x1 project 48→16 → 1x1 head 16→8. */
async function lowered(): Promise<{ layers: LoweredLayer[]; outputs: Set<never> }> {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', [1, 16, 14, 14]);
  const expand = n.addActivation(n.addConvolution(x, { weights: randomFloat([48, 16, 1, 1], 51, 0.3) }), 'Relu');
  const dw = n.addActivation(n.addConvolution(expand, { weights: randomFloat([48, 1, 3, 3], 52, 0.5), group: 48, pads: [1, 1, 1, 1] }), 'Relu');
  const project = n.addConvolution(dw, { weights: randomFloat([16, 48, 1, 1], 53, 0.3) });
  n.markOutput(n.addConvolution(project, { weights: randomFloat([8, 16, 1, 1], 54, 0.3) }), 'head');
  const context = new PassContext(await load(save(n.model)), { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 3, reducedPrecision: true });
  await runPipeline(context);
  const outputs = new Set(context.model.graph.outputs);
  return { layers: cancelReformats(sinkLayouts(lowerGraph(context.model, context)), outputs), outputs: outputs as Set<never> };
}

const convs = (layers: readonly LoweredLayer[]) => layers.filter((layer) => layer.type === 'Convolution');

/**
 * As tactic selection and decideBf16Convs leave them: expand and project on a bf16 tactic
 * (faster there alone), the depthwise conv on an fp32 one (keepBf16Activations moves it), the
 * head in fp32. Returns the network keepBf16Activations would pass, and the three block convs.
 */
async function bf16Block() {
  const { layers, outputs } = await lowered();
  const [expand, depthwise, project, head] = convs(layers);
  for (const conv of [expand!, project!]) Object.assign(conv, { tactic: BF16_1X1, timings: { [BF16_1X1]: 0.1, [F32_1X1]: 0.12, [F32_1X1_SLOW]: 0.2 } });
  Object.assign(depthwise!, { tactic: F32_DW, timings: { [F32_DW]: 0.05 } });
  Object.assign(head!, { tactic: F32_1X1, timings: { [F32_1X1]: 0.05 } });
  const network: MutableBf16Network = {
    layers,
    graphOutputs: outputs,
    readers: readersOf(layers),
    depthwise: new Set([depthwise!]),
    passThrough: new Set(),
    narrowTactic: (layer) => (layer === depthwise ? BF16_DW : layer.tactic),
    fp32Tactics: new Map(),
  };
  return { network, expand: expand!, depthwise: depthwise!, project: project! };
}

/** A fused layer takes `<family>_fake`. */
const select = (layer: LoweredLayer) => {
  layer.tactic = `${layer.family}_fake`;
  return true;
};

/**
 * Fake times: a fused layer `fused[family]` ms, every other layer 0.1 ms. `calls` lists each
 * call's alternatives as `tactic rw` steps (r/w: the step reads/writes bf16).
 */
function timings(fused: Record<string, number>): { time: TimeAlternatives; calls: string[][] } {
  const calls: string[][] = [];
  const form = ({ layer, tactic, bf16 }: LayerForm) => `${tactic} ${bf16.has(layer.inputs[0]!) ? 'r' : '-'}${bf16.has(layer.outputs[0]!) ? 'w' : '-'}`;
  const time: TimeAlternatives = (alternatives) => {
    calls.push(alternatives.map((steps) => steps.map(form).join('; ')));
    return alternatives.map((steps) => steps.reduce((sum, { layer }) => sum + (layer.type === 'InvertedResidual' ? fused[layer.family]! : 0.1), 0));
  };
  return { time, calls };
}

describe('bf16 decisions of whole inverted-residual blocks', () => {
  it('moves a block back to fp32 when its fused fp32 layer beats the bf16 block', async () => {
    const { network, expand, depthwise, project } = await bf16Block();
    const promoted = new Map([[project, F32_1X1_SLOW]]);
    const { time, calls } = timings({ f32_mbconv: 0.25, bf16_mbconv: 0.3 });
    const lines: string[] = [];
    expect(decideBf16Blocks(network, promoted, select, time, (line) => lines.push(line))).toBe(true);
    // The bf16 block runs fused or as its three layers (where this CPU has no bf16_mbconv kernel): 0.3 ms either way.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Precision: inverted residual .*: bf16( \(bf16_mbconv_\w+\))? 0\.3000 ms, fp32 fused \(f32_mbconv_fake\) 0\.2500 ms \(0 neighbours\): fp32$/);
    // fp32 alternative: one fused layer reading and writing fp32.
    expect(calls[0]![1]).toBe('f32_mbconv_fake --');
    // A promoted conv goes back to its own fp32 tactic; one selection put on bf16 to its fastest timed fp32 one.
    expect(project.tactic).toBe(F32_1X1_SLOW);
    expect(expand.tactic).toBe(F32_1X1);
    expect(promoted.size).toBe(0);
    expect(network.depthwise.has(depthwise)).toBe(false);
  });

  it('keeps a block bf16 when that is faster, and leaves every tactic as it was', async () => {
    const { network, expand, depthwise, project } = await bf16Block();
    const { time, calls } = timings({ f32_mbconv: 0.35, bf16_mbconv: 0.3 });
    const lines: string[] = [];
    expect(decideBf16Blocks(network, new Map(), select, time, (line) => lines.push(line))).toBe(false);
    expect(lines[0]).toMatch(/\(0 neighbours\): bf16$/);
    expect(calls).toHaveLength(1);
    // The bf16 alternative: the chain reads the fp32 image and writes the fp32 tensor the fp32 head reads.
    expect(calls[0]![0]).toMatch(/^(bf16_mbconv_\w+ --|bf16_conv_1x1_14x32c2__avx512bf16 -w; bf16_dwconv_3x3__avx512bf16 rw; bf16_conv_1x1_14x32c2__avx512bf16 r-)$/);
    expect([expand.tactic, depthwise.tactic, project.tactic]).toEqual([BF16_1X1, F32_DW, BF16_1X1]);
    expect(network.depthwise.has(depthwise)).toBe(true);
  });

  it('counts the layers whose form changes with the block', async () => {
    const { network, project, depthwise } = await bf16Block();
    // The head on a bf16 tactic reads the block output as bf16 while the block is bf16, fp32 after.
    const head = convs(network.layers)[3]!;
    Object.assign(head, { tactic: BF16_1X1 });
    const { time, calls } = timings({ f32_mbconv: 0.25, bf16_mbconv: 0.3 });
    const lines: string[] = [];
    decideBf16Blocks(network, new Map(), select, time, (line) => lines.push(line));
    expect(lines[0]).toMatch(/\(1 neighbours\): fp32$/);
    expect(calls[0]![0]).toMatch(/bf16_conv_1x1_14x32c2__avx512bf16 r-$/);
    expect(calls[0]![1]).toBe('f32_mbconv_fake --; bf16_conv_1x1_14x32c2__avx512bf16 --');
    expect(project.tactic).toBe(F32_1X1);
    expect(network.depthwise.has(depthwise)).toBe(false);
  });

  it('leaves a block with no conv on a bf16 tactic alone', async () => {
    const { network, expand, project } = await bf16Block();
    for (const conv of [expand, project]) conv.tactic = F32_1X1;
    const { time, calls } = timings({ f32_mbconv: 0.25, bf16_mbconv: 0.3 });
    expect(decideBf16Blocks(network, new Map(), select, time, () => {})).toBe(false);
    expect(calls).toHaveLength(0);
  });
});

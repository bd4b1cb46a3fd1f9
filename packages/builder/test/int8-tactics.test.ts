// The int8 precision decision: a conv that may run in int8 is timed again in its int8 form (uint8
// in and out) and runs in int8 when that beats fp32, so one fp32 pick (timed with fp32 in and out,
// where a qu8 conv pays for quantizing and for 4-byte outputs) no longer drags its neighbours to
// fp32. Timings here are fakes (a deterministic timing source), so the decisions are exact.
import { load, save } from '@kiln/onnx-tools';
import { describe, expect, it } from 'vitest';
import { NetworkDefinition } from '../src/index.js';
import { cancelReformats } from '../src/internal/lower/cancel-reformats.js';
import { lowerGraph } from '../src/internal/lower/index.js';
import { keepInt8Activations } from '../src/internal/lower/int8-activations.js';
import { timeInt8Forms } from '../src/internal/lower/int8-tactics.js';
import { sinkLayouts } from '../src/internal/lower/sink-layouts.js';
import type { LoweredLayer } from '../src/internal/lower/types.js';
import { PassContext } from '../src/internal/pass.js';
import { PrecisionPlan } from '../src/internal/precision.js';
import { runPipeline } from '../src/pipeline.js';
import { randomFloat, runsVector } from './helpers.js';

/** image [1, 16, 14, 14] → 1x1 expand 16→48 + Relu → depthwise 3x3 + Relu → 1x1 project 48→16 → 1x1 head 16→8 (MobileNetV2's block). */
function block(): NetworkDefinition {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', [1, 16, 14, 14]);
  const expand = n.addActivation(n.addConvolution(x, { weights: randomFloat([48, 16, 1, 1], 41, 0.3) }), 'Relu');
  const dw = n.addActivation(n.addConvolution(expand, { weights: randomFloat([48, 1, 3, 3], 42, 0.5), group: 48, pads: [1, 1, 1, 1] }), 'Relu');
  const project = n.addConvolution(dw, { weights: randomFloat([16, 48, 1, 1], 43, 0.3) });
  n.markOutput(n.addConvolution(project, { weights: randomFloat([8, 16, 1, 1], 44, 0.3) }), 'head');
  return n;
}

/** The lowered layers of an int8 build with every activation calibrated (scale 0.05). */
async function lowered(network: NetworkDefinition): Promise<{ layers: LoweredLayer[]; outputs: Set<never> }> {
  const model = await load(save(network.model));
  const context = new PassContext(model, { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 3, reducedPrecision: true });
  await runPipeline(context);
  const scales = new Map<string, number>();
  for (const node of context.model.graph.nodes) for (const value of [...node.inputs, ...node.outputs]) if (value) scales.set(value.name, 0.05);
  const plan = new PrecisionPlan(new Set(['int8']), scales, { precisionConstraints: 'none', layerPrecisions: {} }, () => {});
  const outputs = new Set(context.model.graph.outputs);
  return { layers: cancelReformats(sinkLayouts(lowerGraph(context.model, context, plan)), outputs), outputs: outputs as Set<never> };
}

const convs = (layers: LoweredLayer[]) => layers.filter((layer) => layer.type === 'Convolution');
const isDepthwise = (layer: LoweredLayer) => layer.params?.[10] !== 1;

/** As tactic timing leaves them: the first timing (fp32 in and out) over fake fp32 and qu8 tactics, `ms` per layer. */
function firstTiming(layers: LoweredLayer[], ms: (layer: LoweredLayer) => { fp32: number; qu8: number }): void {
  for (const layer of convs(layers)) {
    if (isDepthwise(layer)) {
      Object.assign(layer, { tactic: 'f32_dwconv__fake', timings: { f32_dwconv__fake: 0.1 } });
      continue;
    }
    const { fp32, qu8 } = ms(layer);
    const timings = { f32_conv_a__fake: fp32, qu8_conv_a__fake: qu8, qu8_conv_b__fake: qu8 * 1.2 };
    Object.assign(layer, { tactic: fp32 <= qu8 ? 'f32_conv_a__fake' : 'qu8_conv_a__fake', timings });
  }
}

/** A timing source for the int8 forms: qu8_conv_b is the faster one there, at `ms(layer)`. */
const fakeSelect = (ms: (layer: LoweredLayer) => number, seen: LoweredLayer[] = []) => (some: LoweredLayer[]) => {
  for (const form of some) {
    seen.push(form);
    const t = ms(form);
    Object.assign(form, { tactic: 'qu8_conv_b__fake', timings: { qu8_conv_a__fake: t * 1.5, qu8_conv_b__fake: t } });
  }
};

const hasQu8Dwconv = runsVector('qu8_dwconv');

describe('int8 precision decision (timeInt8Forms + keepInt8Activations)', () => {
  it('times each int8-capable conv in its int8 form: uint8 where its neighbours can be int8, qu8 tactics only', async () => {
    const { layers, outputs } = await lowered(block());
    firstTiming(layers, () => ({ fp32: 0.1, qu8: 0.2 }));
    const seen: LoweredLayer[] = [];
    timeInt8Forms(layers, outputs, fakeSelect(() => 0.05, seen), () => {});
    const pointwise = convs(layers).filter((layer) => !isDepthwise(layer));
    expect(seen).toHaveLength(pointwise.length);
    // The expand conv reads the image (through a reformat): fp32 in. The head writes the engine output: fp32 out.
    expect(seen.map((form) => `${form.inputs[0]!.dtype}>${form.outputs[0]!.dtype}`)).toEqual(['float32>uint8', 'uint8>uint8', 'uint8>float32']);
    for (const form of seen) expect(form.candidates).toEqual(['qu8_conv_a__fake', 'qu8_conv_b__fake']);
    // The layers themselves keep their fp32 tensors; only their tactic changed.
    for (const layer of pointwise) {
      expect(layer.tactic).toBe('qu8_conv_b__fake');
      expect(layer.inputs[0]!.dtype).toBe('float32');
    }
  });

  it.skipIf(!hasQu8Dwconv)('a conv whose qu8 form is faster runs int8, so the depthwise after it runs int8 too', async () => {
    const { layers, outputs } = await lowered(block());
    // Timed with fp32 in and out, the expand conv's qu8 tactic is 2x slower than fp32 (the old rule promoted within 1.5x only).
    firstTiming(layers, () => ({ fp32: 0.1, qu8: 0.2 }));
    const [expand, dw, project, head] = convs(layers);
    timeInt8Forms(layers, outputs, fakeSelect(() => 0.06), () => {});
    keepInt8Activations(layers, outputs, () => {});
    expect(expand!.tactic).toBe('qu8_conv_b__fake');
    expect(expand!.outputs[0]!.dtype).toBe('uint8');
    expect(dw!.family).toBe('qu8_dwconv');
    expect(dw!.inputs[0]!.dtype).toBe('uint8');
    expect(dw!.outputs[0]!.dtype).toBe('uint8');
    expect(project!.outputs[0]!.dtype).toBe('uint8');
    expect(head!.inputs[0]!.dtype).toBe('uint8');
    expect(head!.outputs[0]!.dtype).toBe('float32'); // an engine output
    expect(layers.filter((layer) => layer.tactic?.startsWith('f32_conv'))).toEqual([]);
  });

  it('a conv whose int8 form is clearly slower than fp32 stays fp32, and so does the depthwise it feeds', async () => {
    const { layers, outputs } = await lowered(block());
    firstTiming(layers, () => ({ fp32: 0.1, qu8: 0.2 }));
    const [expand, dw] = convs(layers);
    const lines: string[] = [];
    timeInt8Forms(layers, outputs, fakeSelect((form) => (form.name.startsWith(expand!.name) ? 0.13 : 0.05)), (line) => lines.push(line));
    keepInt8Activations(layers, outputs, () => {});
    expect(expand!.tactic).toBe('f32_conv_a__fake');
    expect(expand!.outputs[0]!.dtype).toBe('float32');
    expect(dw!.family).not.toBe('qu8_dwconv');
    expect(lines).toContainEqual(expect.stringMatching(/stays f32_conv_a__fake \(int8 form qu8_conv_b__fake 0\.1300 ms > 1\.25 x f32_conv_a__fake 0\.1000 ms\)/));
  });

  it('a conv whose int8 form is within the margin of fp32 (timing noise) runs int8', async () => {
    const { layers, outputs } = await lowered(block());
    firstTiming(layers, () => ({ fp32: 0.1, qu8: 0.2 }));
    timeInt8Forms(layers, outputs, fakeSelect(() => 0.11), () => {});
    keepInt8Activations(layers, outputs, () => {});
    const pointwise = convs(layers).filter((layer) => !isDepthwise(layer));
    // Without a vector qu8_dwconv the depthwise reads fp32: the expand conv then has fp32 on both
    // sides and takes its fastest tactic of the first timing (fp32), as keepInt8Activations says.
    const expected = pointwise.map((_, i) => (i === 0 && !hasQu8Dwconv ? 'f32_conv_a__fake' : 'qu8_conv_b__fake'));
    expect(pointwise.map((layer) => layer.tactic)).toEqual(expected);
  });

  it('a qu8 conv left with fp32 on both sides takes its fastest tactic timed with fp32 in and out', async () => {
    const { layers, outputs } = await lowered(block());
    firstTiming(layers, () => ({ fp32: 0.1, qu8: 0.2 }));
    const [expand, , project, head] = convs(layers);
    // Only the head is faster in int8; its input (the project conv, fp32) and its output (an engine output) stay fp32.
    timeInt8Forms(layers, outputs, fakeSelect((form) => (form.name.startsWith(head!.name) ? 0.05 : 0.5)), () => {});
    expect(head!.tactic).toBe('qu8_conv_b__fake');
    keepInt8Activations(layers, outputs, () => {});
    expect(head!.tactic).toBe('f32_conv_a__fake');
    expect([expand!.tactic, project!.tactic]).toEqual(['f32_conv_a__fake', 'f32_conv_a__fake']);
  });

  it('leaves layers without timings (level 0) alone', async () => {
    const { layers, outputs } = await lowered(block());
    for (const layer of convs(layers)) layer.tactic = 'f32_conv_a__fake';
    timeInt8Forms(layers, outputs, () => expect.unreachable('nothing was timed'), () => {});
    expect(convs(layers).map((layer) => layer.tactic)).toEqual(convs(layers).map(() => 'f32_conv_a__fake'));
  });
});

describe('implicit int8 grids', () => {
  it('an input that is never negative (after ReLU) takes all 256 levels of [0, threshold]; a signed one stays symmetric', async () => {
    const { layers } = await lowered(block());
    const unsigned = { scale: (0.05 * 127) / 255, zeroPoint: 0 };
    const symmetric = { scale: 0.05, zeroPoint: 128 };
    // expand reads the image, depthwise and project read ReLU outputs, head reads project's linear output.
    expect(convs(layers).map((layer) => layer.inputGrid)).toEqual([symmetric, unsigned, unsigned, symmetric]);
  });
});

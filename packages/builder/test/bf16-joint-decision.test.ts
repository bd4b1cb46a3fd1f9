// A conv of a bf16 engine is decided between bf16 and fp32 by the time of every layer whose form
// that choice changes (decideBf16Convs / timeJointly), not by its own time alone. Unit tests use
// fixed timings of each layer in each form on a fire module (squeeze → expand 1x1 and expand 3x3 → Concat → head): the
// expand 1x1 is a little faster in fp32, but going back to fp32 makes the squeeze output fp32 and
// the expand 3x3 read fp32, which costs it more. The end-to-end test builds the same module with
// real timing and checks the decisions are logged and the engine agrees with fp32.

import { kernels } from '@kiln/core-native';
import type { Value } from '@kiln/onnx-tools';
import { evaluate, load, save, type Tensor } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, buildSerializedNetwork, NetworkDefinition } from '../src/index.js';
import { promote } from '../src/internal/lower/bf16-activations.js';
import { type Bf16Network, decideBf16Convs, type TimeAlternatives, timeJointly } from '../src/internal/lower/bf16-forms.js';
import { variable } from '../src/internal/lower/layout.js';
import { readersOf } from '../src/internal/lower/narrow-activations.js';
import type { LoweredLayer } from '../src/internal/lower/types.js';
import { cosine, randomFloat } from './helpers.js';

const AMX_1X1 = 'bf16_conv_1x1_32x32__amx';
const AMX_3X3 = 'bf16_conv_im2col_32x32__amx';
const F32_1X1 = 'f32_conv_1x1_14x32__avx512';
const F32_3X3 = 'f32_conv_im2col_14x32__avx512';

function conv(name: string, input: Value, channels: number, tactic: string): LoweredLayer {
  const weights = variable(`${name}_w`, 'float32', [channels, 1, 1, 16]);
  return { name, type: 'Convolution', family: 'bf16_conv', tactic, inputs: [input, weights], outputs: [variable(name, 'float32', [1, 13, 13, channels])], sources: [name] };
}

/** squeeze → expand1x1, expand3x3 → Concat (channels) → head (the engine output); convs on bf16 tactics. */
function fire(): { network: Bf16Network; layer: (name: string) => LoweredLayer } {
  const x = variable('x', 'float32', [1, 13, 13, 64]);
  const squeeze = conv('squeeze', x, 16, AMX_1X1);
  const expand1x1 = conv('expand1x1', squeeze.outputs[0]!, 64, AMX_1X1);
  const expand3x3 = conv('expand3x3', squeeze.outputs[0]!, 64, AMX_3X3);
  const fireOutput = variable('concat', 'float32', [1, 13, 13, 128]);
  const concat: LoweredLayer = { name: 'concat', type: 'Concatenation', family: 'x_concat', tactic: 'x_concat__scalar', inputs: [expand1x1.outputs[0], expand3x3.outputs[0]], outputs: [fireOutput], params: [3], sources: ['concat'] };
  const head = conv('head', fireOutput, 10, AMX_1X1);
  const layers = [squeeze, expand1x1, expand3x3, concat, head];
  const network: Bf16Network = {
    layers,
    graphOutputs: new Set([head.outputs[0]!]),
    readers: readersOf(layers),
    depthwise: new Set(),
    passThrough: new Set([concat]),
    narrowTactic: (layer) => layer.tactic,
    fp32Tactics: new Map(),
  };
  return { network, layer: (name) => layers.find((candidate) => candidate.name === name)! };
}

/**
 * Fixed timings (ms) by layer, tactic and whether it reads (input 0) and writes bf16: an
 * alternative takes the sum of its layers' (undefined when one is undefined). `calls` has one
 * entry per call: its alternatives, each as `name tactic rw` lines (r/w: bf16, -: fp32) joined by `; `.
 */
function timings(table: Record<string, number | undefined>): { time: TimeAlternatives; calls: string[][] } {
  const calls: string[][] = [];
  const time: TimeAlternatives = (alternatives) => {
    const forms = alternatives.map((steps) => steps.map(({ layer, tactic, bf16 }) => `${layer.name} ${tactic} ${bf16.has(layer.inputs[0]!) ? 'r' : '-'}${bf16.has(layer.outputs[0]!) ? 'w' : '-'}`));
    calls.push(forms.map((steps) => steps.join('; ')));
    return forms.map((steps) =>
      steps.reduce<number | undefined>((sum, form) => {
        if (!(form in table)) throw new Error(`no timing for ${form}`);
        const ms = table[form];
        return sum === undefined || ms === undefined ? undefined : sum + ms;
      }, 0),
    );
  };
  return { time, calls };
}

/** The features.3 pattern: expand1x1 is faster in fp32 (0.051 against 0.058 ms) alone. */
const FEATURES_3 = {
  [`squeeze ${AMX_1X1} -w`]: 0.05,
  [`squeeze ${AMX_1X1} --`]: 0.06,
  [`expand1x1 ${AMX_1X1} rw`]: 0.058,
  [`expand1x1 ${F32_1X1} --`]: 0.051,
  [`expand3x3 ${AMX_3X3} rw`]: 0.078,
  [`expand3x3 ${AMX_3X3} r-`]: 0.078,
  [`expand3x3 ${AMX_3X3} --`]: 0.178,
  [`head ${AMX_1X1} r-`]: 0.1,
  [`head ${AMX_1X1} --`]: 0.13,
};

describe('bf16 decisions that count the neighbours', () => {
  it('keeps a conv bf16 when going back to fp32 would make a neighbour read fp32 slowly', () => {
    const { network, layer } = fire();
    const { time } = timings(FEATURES_3);
    const joint = timeJointly(network, layer('expand1x1'), [AMX_1X1], F32_1X1, time);
    expect(joint.tactic).toBe(AMX_1X1);
    // bf16: 0.058 + squeeze 0.05 + expand3x3 0.078 + head 0.1; fp32: 0.051 + 0.06 + 0.178 + 0.13.
    expect(joint.bf16Ms).toBeCloseTo(0.286, 9);
    expect(joint.fp32Ms).toBeCloseTo(0.419, 9);
    // The Concat becomes a view (moves nothing) either way: it is not summed.
    expect(joint.neighbours.map((neighbour) => neighbour.name)).toEqual(['squeeze', 'expand3x3', 'head']);
    // The conv and the network are left as they were.
    expect(layer('expand1x1').tactic).toBe(AMX_1X1);

    const promoted = new Map([[layer('expand1x1'), F32_1X1]]);
    const lines: string[] = [];
    const forms = decideBf16Convs(network, promoted, () => [AMX_1X1], time, (line) => lines.push(line));
    expect(promoted.size).toBe(1);
    expect(layer('expand1x1').tactic).toBe(AMX_1X1);
    expect([...forms.bf16].map((value) => value.name.replace(/__kiln_l\d+$/, '')).sort()).toEqual(['concat', 'expand1x1', 'expand3x3', 'squeeze']);
    expect(forms.passThrough.has(layer('concat'))).toBe(true);
    expect(lines).toEqual([`Precision: expand1x1 with its neighbours: bf16 0.2860 ms, fp32 0.4190 ms (${AMX_1X1} / ${F32_1X1}, 3 neighbours): bf16`]);
  });

  it('goes back to fp32 when the neighbours gain less than the conv loses', () => {
    const { network, layer } = fire();
    const { time } = timings({ ...FEATURES_3, [`squeeze ${AMX_1X1} --`]: 0.05, [`expand3x3 ${AMX_3X3} --`]: 0.08, [`head ${AMX_1X1} --`]: 0.1 });
    const promoted = new Map([[layer('expand1x1'), F32_1X1]]);
    const lines: string[] = [];
    const forms = decideBf16Convs(network, promoted, () => [AMX_1X1], time, (line) => lines.push(line));
    // bf16 0.058 + 0.05 + 0.078 + 0.1 ms against fp32 0.051 + 0.05 + 0.08 + 0.1 ms.
    expect(lines).toEqual([`Precision: expand1x1 with its neighbours: bf16 0.2860 ms, fp32 0.2810 ms (${AMX_1X1} / ${F32_1X1}, 3 neighbours): fp32`]);
    expect(promoted.size).toBe(0);
    expect(layer('expand1x1').tactic).toBe(F32_1X1);
    // expand1x1 reads and writes fp32: the squeeze output and the Concat (with its inputs) are fp32.
    expect(forms.bf16.size).toBe(0);
    expect(forms.passThrough.size).toBe(0);
  });

  it('times each bf16 tactic with the neighbours, in layer order, against fp32, and takes the fastest', () => {
    const { network, layer } = fire();
    const { time, calls } = timings({ ...FEATURES_3, [`expand1x1 ${AMX_3X3} rw`]: 0.05 });
    const joint = timeJointly(network, layer('expand1x1'), [AMX_1X1, AMX_3X3], F32_1X1, time);
    expect(joint.tactic).toBe(AMX_3X3);
    expect(joint.bf16Ms).toBeCloseTo(0.278, 9);
    expect(calls).toEqual([
      [
        `squeeze ${AMX_1X1} -w; expand1x1 ${AMX_1X1} rw; expand3x3 ${AMX_3X3} rw; head ${AMX_1X1} r-`,
        `squeeze ${AMX_1X1} -w; expand1x1 ${AMX_3X3} rw; expand3x3 ${AMX_3X3} rw; head ${AMX_1X1} r-`,
        `squeeze ${AMX_1X1} --; expand1x1 ${F32_1X1} --; expand3x3 ${AMX_3X3} --; head ${AMX_1X1} --`,
      ],
    ]);
  });

  it('re-times convs selection put on fp32 or on bf16 tactics, each against its fastest fp32 tactic', () => {
    const { network, layer } = fire();
    const WINOGRAD = 'bf16_conv_winograd_4x4_14x32__avx512';
    const SLOW = 'bf16_conv_im2col_14x32c2__avx512bf16';
    // Timed with fp32 in and out: the Winograd twin first; AMX im2col, slower there, is faster
    // between bf16 tensors, so both are candidates again (the one over 2x slower is not).
    Object.assign(layer('expand3x3'), { tactic: WINOGRAD, candidates: [WINOGRAD, AMX_3X3, SLOW, F32_3X3], timings: { [WINOGRAD]: 0.28, [AMX_3X3]: 0.34, [SLOW]: 0.61, [F32_3X3]: 0.5, f32_conv_winograd_4x4_14x32__avx512: 0.29 } });
    Object.assign(layer('expand1x1'), { tactic: F32_1X1, candidates: [F32_1X1, AMX_1X1], timings: { [F32_1X1]: 0.05, [AMX_1X1]: 0.06 } });
    // Only bf16 timed: no fp32 tactic to weigh it against.
    Object.assign(layer('squeeze'), { candidates: [AMX_1X1], timings: { [AMX_1X1]: 0.05 } });
    const promoted = promote(network.layers, { allowsBf16: (candidate) => candidate.name !== 'head' });
    expect([...promoted].map(([conv, fp32]) => [conv.name, fp32, conv.tactic])).toEqual([
      ['expand1x1', F32_1X1, AMX_1X1],
      ['expand3x3', 'f32_conv_winograd_4x4_14x32__avx512', WINOGRAD],
    ]);
    const { time, calls } = timings({ ...FEATURES_3, [`expand3x3 ${WINOGRAD} rw`]: 0.167, [`expand3x3 ${WINOGRAD} --`]: 0.28, [`expand1x1 ${AMX_1X1} --`]: 0.065, [`expand3x3 ${AMX_3X3} rw`]: 0.07, [`expand3x3 f32_conv_winograd_4x4_14x32__avx512 --`]: 0.29, [`expand1x1 ${AMX_1X1} r-`]: 0.06, [`squeeze ${AMX_1X1} --`]: 0.06 });
    decideBf16Convs(network, promoted, (conv) => (conv.name === 'expand3x3' ? [WINOGRAD, AMX_3X3] : [AMX_1X1]), time, () => {});
    expect(layer('expand3x3').tactic).toBe(AMX_3X3);
    expect(calls.some((call) => call.some((steps) => steps.includes(`expand3x3 ${AMX_3X3} rw`)))).toBe(true);
  });

  it('times a bf16 NCHW stem whose output cannot stay bf16 on its fp32 tactic', () => {
    const { network, layer } = fire();
    const [STEM_BF16, STEM_F32] = ['bf16_conv_nchw_6x64__avx512bf16', 'f32_conv_nchw_6x64__avx512'];
    layer('squeeze').tactic = STEM_BF16;
    const withStem: Bf16Network = { ...network, fp32Tactics: new Map([[layer('squeeze'), STEM_F32]]) };
    const { time, calls } = timings({ ...FEATURES_3, [`squeeze ${STEM_BF16} -w`]: 0.05, [`squeeze ${STEM_F32} --`]: 0.06 });
    const joint = timeJointly(withStem, layer('expand1x1'), [AMX_1X1], F32_1X1, time);
    expect(calls[0]).toEqual([
      `squeeze ${STEM_BF16} -w; expand1x1 ${AMX_1X1} rw; expand3x3 ${AMX_3X3} rw; head ${AMX_1X1} r-`,
      `squeeze ${STEM_F32} --; expand1x1 ${F32_1X1} --; expand3x3 ${AMX_3X3} --; head ${AMX_1X1} --`,
    ]);
    expect(joint).toMatchObject({ tactic: AMX_1X1 });
    expect(joint.fp32Ms).toBeCloseTo(0.419, 9);
  });

  it('keeps bf16 when the fp32 choice cannot run', () => {
    const { network, layer } = fire();
    const { time } = timings({ ...FEATURES_3, [`head ${AMX_1X1} --`]: undefined });
    const joint = timeJointly(network, layer('expand1x1'), [AMX_1X1], F32_1X1, time);
    expect(joint).toMatchObject({ tactic: AMX_1X1, fp32Ms: Number.POSITIVE_INFINITY });
  });

  it('goes back to fp32 when no bf16 choice runs (a tactic rejects its layer in that form)', () => {
    const { network, layer } = fire();
    const { time } = timings({ ...FEATURES_3, [`head ${AMX_1X1} r-`]: undefined });
    const promoted = new Map([[layer('expand1x1'), F32_1X1]]);
    const lines: string[] = [];
    decideBf16Convs(network, promoted, () => [AMX_1X1], time, (line) => lines.push(line));
    expect(promoted.size).toBe(0);
    expect(layer('expand1x1').tactic).toBe(F32_1X1);
    expect(lines).toEqual([`Precision: expand1x1 with its neighbours: bf16 Infinity ms, fp32 0.4190 ms (no bf16 tactic / ${F32_1X1}, 3 neighbours): fp32`]);
  });

  it('decides again after a conv goes back, until none does (a bounded, deterministic fixed point)', () => {
    const { network, layer } = fire();
    // Round 1: expand1x1 keeps bf16 (as above); expand3x3 goes back (0.286 against 0.001 + squeeze
    // 0.06 + expand1x1 reading fp32 0.09 + head 0.13 = 0.281 ms). Round 2: with expand3x3 in fp32 the
    // squeeze output and the Concat are fp32 whatever expand1x1 runs, so it is alone: 0.09 against
    // 0.051 ms, back to fp32. Round 3: nothing left to decide.
    const { time, calls } = timings({ ...FEATURES_3, [`expand3x3 ${F32_3X3} --`]: 0.001, [`expand1x1 ${AMX_1X1} --`]: 0.09 });
    const promoted = new Map([
      [layer('expand1x1'), F32_1X1],
      [layer('expand3x3'), F32_3X3],
    ]);
    const tactics = (conv: LoweredLayer) => [conv.name === 'expand1x1' ? AMX_1X1 : AMX_3X3];
    const lines: string[] = [];
    const forms = decideBf16Convs(network, promoted, tactics, time, (line) => lines.push(line));
    expect(promoted.size).toBe(0);
    expect([layer('expand1x1').tactic, layer('expand3x3').tactic]).toEqual([F32_1X1, F32_3X3]);
    expect(forms.bf16.size).toBe(0);
    expect(lines).toEqual([
      `Precision: expand1x1 with its neighbours: bf16 0.0900 ms, fp32 0.0510 ms (${AMX_1X1} / ${F32_1X1}, 0 neighbours): fp32`,
      `Precision: expand3x3 with its neighbours: bf16 0.2860 ms, fp32 0.2810 ms (${AMX_3X3} / ${F32_3X3}, 3 neighbours): fp32`,
    ]);
    // One timing per decision: expand1x1 and expand3x3 in round 1, expand1x1 alone in round 2.
    expect(calls.map((alternatives) => alternatives.length)).toEqual([2, 2, 2]);
    expect(calls[2]).toEqual([`expand1x1 ${AMX_1X1} --`, `expand1x1 ${F32_1X1} --`]);
  });
});

/** image [1, 32, 15, 13] → stem conv 3x3 + Relu → fire (squeeze 1x1, expand 1x1 and 3x3, Concat) → conv 3x3 → pooled logits. */
function fireNetwork(): NetworkDefinition {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', [1, 32, 15, 13]);
  const stem = n.addActivation(n.addConvolution(x, { weights: randomFloat([48, 32, 3, 3], 51, 0.1), bias: randomFloat([48], 52, 0.1), pads: [1, 1, 1, 1] }), 'Relu');
  const squeeze = n.addActivation(n.addConvolution(stem, { weights: randomFloat([16, 48, 1, 1], 53, 0.3) }), 'Relu');
  const e1 = n.addActivation(n.addConvolution(squeeze, { weights: randomFloat([64, 16, 1, 1], 54, 0.3) }), 'Relu');
  const e3 = n.addActivation(n.addConvolution(squeeze, { weights: randomFloat([64, 16, 3, 3], 55, 0.1), pads: [1, 1, 1, 1] }), 'Relu');
  const head = n.addActivation(n.addConvolution(n.addConcatenation([e1, e3], 1), { weights: randomFloat([32, 128, 3, 3], 56, 0.05), pads: [1, 1, 1, 1] }), 'Relu');
  n.markOutput(n.addShuffle(n.addPooling(head, { type: 'globalAverage' }), { reshape: [0, -1] }), 'logits');
  return n;
}

const amx = kernels().some((kernel) => kernel.name === AMX_1X1 && kernel.runnable);

describe('bf16 decisions with real timing', () => {
  it('logs each promoted conv with its neighbours and agrees with fp32', async () => {
    const lines: string[] = [];
    const config = new BuilderConfig();
    config.bf16 = true;
    config.builderOptimizationLevel = 1;
    config.verifyPasses = true;
    config.log = (line) => lines.push(line);
    const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(fireNetwork(), config));
    const feeds = { image: randomFloat([1, 32, 15, 13], 57) };
    const logits = (await engine.createExecutionContext().run(feeds)).logits!.data as Float32Array;
    const layers = engine.inspect().layers;
    const decisions = lines.filter((line) => line.includes('with its neighbours'));
    // The stem, squeeze and expand convs and the head are fp32 convs with bf16 candidates where AMX runs.
    if (amx) expect(decisions.length).toBeGreaterThan(0);
    for (const line of decisions) {
      const [, bf16, fp32, choice] = /bf16 ([\d.]+|Infinity) ms, fp32 ([\d.]+|Infinity) ms .*: (bf16|fp32)$/.exec(line)!;
      // The log rounds to 0.1 us: two sums that print alike may still differ, and either choice is right.
      if (Number(bf16) !== Number(fp32)) expect(choice).toBe(Number(bf16) < Number(fp32) ? 'bf16' : 'fp32');
    }
    // Every bf16 tensor is written and read by layers that move bf16.
    for (const layer of layers.filter((l) => [...l.inputs, ...l.outputs].some((t) => t.dtype === 'bfloat16'))) expect(layer.tactic).toMatch(/^(bf16_|x_concat)/);
    const reference = (await evaluate(await load(save(fireNetwork().model)), feeds as Record<string, Tensor>)).logits!.data as Float32Array;
    expect(cosine(logits, reference)).toBeGreaterThan(0.999);
  });
});

import type { Value } from '@kiln/onnx-tools';
import type { Readers } from './narrow-activations.js';
import type { LoweredLayer } from './types.js';

/**
 * Which fp32 tensors of a bf16 engine can be stored as bf16, the form each layer then runs in, and
 * the choice of a conv between bf16 and fp32 by the time of every layer that choice changes
 * (keepBf16Activations uses them).
 */

/** The layers of an engine as keepBf16Activations sees them. @internal */
export interface Bf16Network {
  layers: readonly LoweredLayer[];
  graphOutputs: ReadonlySet<Value>;
  readers: Readers;
  /** Depthwise convs that may run bf16_dwconv (they do when a tensor next to them is bf16). */
  depthwise: ReadonlySet<LoweredLayer>;
  /** NHWC max pools and channel Concats that may move bf16 (they do when all their tensors are bf16). */
  passThrough: ReadonlySet<LoweredLayer>;
  /** The tactic a layer of `depthwise` or `passThrough` runs while it moves bf16. */
  narrowTactic(layer: LoweredLayer): string | undefined;
  /** The fp32 tactics of the convs moved to bf16 tactics (an NCHW stem runs it where its output cannot stay bf16). */
  fp32Tactics: ReadonlyMap<LoweredLayer, string>;
}

/** The bf16 tensors with the layers on their current tactics, and the depthwise and pass-through layers that then move bf16. @internal */
export interface Bf16Forms {
  bf16: Set<Value>;
  depthwise: Set<LoweredLayer>;
  passThrough: Set<LoweredLayer>;
}

/** A layer on a tactic with the tensors in `bf16` as bfloat16. @internal */
export interface LayerForm {
  layer: LoweredLayer;
  tactic: string;
  bf16: ReadonlySet<Value>;
}

/**
 * Milliseconds per run of each alternative (its layers in order, as one program), the
 * alternatives timed together in interleaved rounds; undefined where a tactic rejects its layer
 * in that form. @internal
 */
export type TimeAlternatives = (alternatives: readonly (readonly LayerForm[])[]) => (number | undefined)[];

/** @internal */
export function bf16Forms(network: Bf16Network): Bf16Forms {
  const depthwise = new Set(network.depthwise);
  const passThrough = new Set(network.passThrough);
  const bf16 = narrowTensors(network.layers, network.graphOutputs, network.readers, depthwise, passThrough);
  return { bf16, depthwise, passThrough };
}

/**
 * The tactic `layer` runs with these forms: the bf16 one while it moves bf16, the fp32 one for a
 * bf16 NCHW stem whose output cannot stay bf16 (its bf16 tactics write only bf16), its own otherwise.
 * @internal
 */
export function tacticIn(network: Bf16Network, forms: Bf16Forms, layer: LoweredLayer): string | undefined {
  if (forms.depthwise.has(layer) || forms.passThrough.has(layer)) return network.narrowTactic(layer);
  if (isBf16Stem(layer) && !forms.bf16.has(layer.outputs[0]!)) return network.fp32Tactics.get(layer) ?? layer.tactic;
  return layer.tactic;
}

/** A layer's form: its tactic and, per input and output, bf16 (`b`) or not (`f`). @internal */
export function formKey(layer: LoweredLayer, tactic: string | undefined, bf16: ReadonlySet<Value>): string {
  return `${tactic}|${[...layer.inputs, ...layer.outputs].map((value) => (value && bf16.has(value) ? 'b' : 'f')).join('')}`;
}

/** What timeJointly found for one conv. @internal */
export interface JointTiming {
  /** The conv's fastest bf16 tactic (with its neighbours); undefined when none runs in its bf16 form. */
  tactic?: string;
  /** The conv on `tactic` and each neighbour in the form it runs with the conv in bf16 (ms per run). */
  bf16Ms: number;
  /** The conv on its fp32 tactic and each neighbour in the form it runs with the conv in fp32 (ms per run). */
  fp32Ms: number;
  /** The neighbours: the layers other than the conv whose form differs between the two choices. */
  neighbours: LoweredLayer[];
  /** Each bf16 tactic that ran, with its time (ms per run, with the neighbours), fastest first. */
  timed: (readonly [string, number])[];
}

/**
 * Times the choices of `conv` (one per tactic of `bf16Tactics`, and `fp32Tactic`) together with
 * the layers whose form changes with it: the producers and readers of the tensors that switch
 * between fp32 and bf16 (a conv that goes to fp32 makes its input and output fp32, and with them
 * possibly a depthwise conv, a max pool or a Concat beyond). Each choice is one alternative for
 * `time`: the conv and those neighbours in layer order, each on the tactic and with the tensor
 * dtypes it would run with; timed together, machine noise hits them alike. The other layers run
 * the same either way. Concats are left out: eliminateConcats makes the fire-module Concats views
 * that move nothing in either precision. The conv's tactic and the network are left as they were.
 *
 * @internal
 */
export function timeJointly(network: Bf16Network, conv: LoweredLayer, bf16Tactics: readonly string[], fp32Tactic: string, time: TimeAlternatives): JointTiming {
  const current = conv.tactic;
  const formsWith = (tactic: string | undefined) => {
    conv.tactic = tactic;
    try {
      return bf16Forms(network);
    } finally {
      conv.tactic = current;
    }
  };
  const [narrow, wide] = [formsWith(bf16Tactics[0]), formsWith(fp32Tactic)];
  const neighbours = changedLayers(network.layers, [conv], [network, narrow], [network, wide]);
  const steps = (forms: Bf16Forms, tactic: string) =>
    network.layers.filter((layer) => layer === conv || neighbours.includes(layer)).map((layer) => ({ layer, tactic: layer === conv ? tactic : tacticIn(network, forms, layer)!, bf16: forms.bf16 }));
  // An NCHW stem's bf16 tactics write bf16: they run only where its output stays bf16.
  const runs = !isBf16Stem({ ...conv, tactic: bf16Tactics[0] }) || narrow.bf16.has(conv.outputs[0]!);
  const tactics = runs ? bf16Tactics : [];
  const times = time([...tactics.map((tactic) => steps(narrow, tactic)), steps(wide, fp32Tactic)]);
  const fp32Ms = times.at(-1) ?? Number.POSITIVE_INFINITY;
  const timed = tactics.map((tactic, i) => [tactic, times[i]] as const).filter((entry): entry is readonly [string, number] => entry[1] !== undefined).sort((a, b) => a[1] - b[1]);
  const best = timed[0];
  return { ...(best ? { tactic: best[0] } : {}), bf16Ms: best?.[1] ?? Number.POSITIVE_INFINITY, fp32Ms, neighbours, timed };
}

/**
 * The layers other than `deciding` whose form (tactic, bf16 tensors) differs between two choices,
 * each given as the network and the forms it runs with; a layer with no tactic in either is left
 * out, and so are Concats (eliminateConcats makes the fire-module Concats views that move nothing
 * in either precision). @internal
 */
export function changedLayers(layers: readonly LoweredLayer[], deciding: readonly LoweredLayer[], a: readonly [Bf16Network, Bf16Forms], b: readonly [Bf16Network, Bf16Forms]): LoweredLayer[] {
  return layers.filter((layer) => {
    if (deciding.includes(layer) || layer.family === 'x_concat') return false;
    const [tacticA, tacticB] = [tacticIn(a[0], a[1], layer), tacticIn(b[0], b[1], layer)];
    return tacticA !== undefined && tacticB !== undefined && formKey(layer, tacticA, a[1].bf16) !== formKey(layer, tacticB, b[1].bf16);
  });
}

/**
 * Decides each promoted conv (`promoted`: conv → its fp32 tactic; each is on a bf16 tactic) by
 * timeJointly: it keeps its fastest bf16 tactic when that sum is lower, and goes back to fp32
 * (leaving `promoted`) otherwise. A conv that goes back changes its neighbours' forms, so the
 * convs are decided again, in layer order, until none goes back: at most `promoted.size + 1`
 * rounds, and `time` is expected to answer alternatives it has timed from a cache. Logs each conv's
 * last decision; returns the forms with the tactics it leaves.
 *
 * @internal
 */
export function decideBf16Convs(network: Bf16Network, promoted: Map<LoweredLayer, string>, bf16Tactics: (layer: LoweredLayer) => string[], time: TimeAlternatives, log: (line: string) => void): Bf16Forms {
  const decisions = new Map<LoweredLayer, string>();
  for (let changed = promoted.size > 0; changed; ) {
    changed = false;
    for (const [conv, fp32] of promoted) {
      const joint = timeJointly(network, conv, bf16Tactics(conv), fp32, time);
      const keep = joint.tactic !== undefined && joint.bf16Ms < joint.fp32Ms;
      const others = joint.timed.length > 1 ? `; bf16 timed ${joint.timed.map(([tactic, ms]) => `${tactic} ${ms.toFixed(4)}`).join(', ')}` : '';
      decisions.set(conv, `Precision: ${conv.name} with its neighbours: bf16 ${joint.bf16Ms.toFixed(4)} ms, fp32 ${joint.fp32Ms.toFixed(4)} ms (${joint.tactic ?? 'no bf16 tactic'} / ${fp32}, ${joint.neighbours.length} neighbours${others}): ${keep ? 'bf16' : 'fp32'}`);
      if (keep) {
        conv.tactic = joint.tactic;
        continue;
      }
      conv.tactic = fp32;
      promoted.delete(conv);
      changed = true;
    }
  }
  for (const layer of network.layers) if (decisions.has(layer)) log(decisions.get(layer)!);
  return bf16Forms(network);
}

/**
 * The fp32 tensors that can be bf16, and (shrinking `depthwise` and `passThrough` to a fixed point)
 * the layers that move them: a depthwise conv with no bf16 tensor on either side stays fp32, a
 * Concat must read and write bf16.
 */
function narrowTensors(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, readers: Readers, depthwise: Set<LoweredLayer>, passThrough: Set<LoweredLayer>): Set<Value> {
  let bf16 = new Set<Value>();
  for (let changed = true; changed; ) {
    const takes = (layer: LoweredLayer) => isBf16Conv(layer) || isBf16Stem(layer) || depthwise.has(layer) || passThrough.has(layer);
    const readsBf16 = (layer: LoweredLayer, index: number) => passThrough.has(layer) || ((isBf16Conv(layer) || depthwise.has(layer)) && (index === 0 || isResidual(layer, index)));
    bf16 = new Set();
    for (const layer of layers) {
      const y = layer.outputs[0];
      if (layer.outputs.length !== 1 || !y || graphOutputs.has(y) || y.dtype !== 'float32' || y.shape?.length !== 4 || !takes(layer)) continue;
      const uses = readers.get(y) ?? [];
      if (uses.length > 0 && uses.every(({ layer: reader, index }) => readsBf16(reader, index))) bf16.add(y);
    }
    changed = false;
    for (const layer of [...depthwise]) {
      if (bf16.has(layer.inputs[0]!) || bf16.has(layer.outputs[0]!)) continue;
      depthwise.delete(layer);
      changed = true;
    }
    for (const layer of [...passThrough]) {
      if (bf16.has(layer.outputs[0]!) && layer.inputs.every((input) => input && bf16.has(input))) continue;
      passThrough.delete(layer);
      changed = true;
    }
  }
  return bf16;
}

/** An NHWC bf16 conv: reads and writes bf16 (input 0, residual, output). @internal */
export function isBf16Conv(layer: LoweredLayer): boolean {
  return layer.type === 'Convolution' && (layer.tactic?.startsWith('bf16_conv') ?? false) && !isBf16Stem(layer);
}

/** The fastest fp32 tactic timed on a conv that tactic selection put on a bf16 one. @internal */
export function fastestFp32(conv: LoweredLayer): string | undefined {
  const timed = Object.entries(conv.timings ?? {}).filter(([tactic]) => tactic.startsWith('f32_conv'));
  return timed.sort((a, b) => a[1] - b[1])[0]?.[0];
}

/** An NCHW stem on a bf16_conv_nchw tactic: reads the fp32 image, writes bf16. @internal */
export function isBf16Stem(layer: LoweredLayer): boolean {
  return layer.type === 'Convolution' && (layer.tactic?.startsWith('bf16_conv_nchw') ?? false);
}

/** Whether input `index` of a conv layer is its residual (the last input, with hasResidual). */
function isResidual(layer: LoweredLayer, index: number): boolean {
  return layer.params?.[12] === 1 && index === layer.inputs.length - 1;
}

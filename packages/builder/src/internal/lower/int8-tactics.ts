import { KilnError } from '@kiln/common';
import type { Value } from '@kiln/onnx-tools';
import { variable } from './layout.js';
import { readersOf } from './narrow-activations.js';
import type { LoweredLayer } from './types.js';

const isQu8Conv = (tactic: string) => tactic.startsWith('qu8_conv');

/**
 * A conv's int8 form keeps int8 unless fp32 was faster by more than this factor. The two timings
 * are taken at different moments (noise on a busy machine moves either by tens of percent), and
 * the per-layer comparison misses what fp32 costs the neighbours: their uint8 tensors become fp32
 * (four times the bytes, a quantize step in every int8 reader) and a depthwise conv fed by this one
 * drops back to fp32.
 */
const NEIGHBOUR_MARGIN = 1.25;

/**
 * Tactic timing runs every candidate with fp32 in and out, the form an fp32 conv runs in. A qu8
 * conv between int8 layers runs in another: it reads uint8 (no quantize step, a quarter of the
 * bytes) and writes uint8 (a quarter again), and its uint8 output lets the next depthwise conv
 * run in int8 too. Timed with fp32 in and out, a memory-bound qu8 conv (a 1x1 with few input
 * channels) pays for work it will not do and loses to fp32, which then drags its neighbours to
 * fp32 (keepInt8Activations only keeps a tensor in int8 when its producer and readers are int8).
 *
 * So after tactic selection, each conv that may run in int8 (an input grid, timed qu8 candidates)
 * is timed again in its int8 form: its qu8 tactics over a uint8 input and/or a uint8 output, on
 * the sides where the neighbour can be int8 too (`select` times the copy, the builder's
 * selectTactics). Unless the fastest non-qu8 tactic of the first
 * timing beat the fastest of them by more than NEIGHBOUR_MARGIN, the conv takes it. keepInt8Activations then decides which tensors
 * are uint8, and gives a qu8 conv that ended up with fp32 on both sides its fastest tactic in that
 * form back (from the first timing). Layers without timings (level 0) keep the heuristic's pick.
 *
 * @internal
 */
export function timeInt8Forms(
  layers: readonly LoweredLayer[],
  graphOutputs: ReadonlySet<Value>,
  select: (some: LoweredLayer[]) => void,
  log: (line: string) => void,
): void {
  const producers = new Map<Value, LoweredLayer>();
  for (const layer of layers) for (const output of layer.outputs) producers.set(output, layer);
  const readers = readersOf(layers);
  const forms = new Map<LoweredLayer, LoweredLayer>();
  for (const layer of layers) {
    const [x] = layer.inputs;
    const y = layer.outputs[0];
    if (!x || !y) continue;
    // uint8 where the neighbour can take part (keepInt8Activations decides exactly, later).
    const producer = producers.get(x);
    const inputU8 = producer !== undefined && int8Capable(producer);
    const outputU8 = !graphOutputs.has(y) && (readers.get(y) ?? []).length > 0 && readers.get(y)!.every(({ layer: reader }) => int8Capable(reader));
    const form = inputU8 || outputU8 ? int8Form(layer, inputU8, outputU8) : undefined;
    if (form) forms.set(layer, form);
  }
  if (forms.size === 0) return;
  for (const form of forms.values()) {
    try {
      select([form]);
    } catch (error) {
      // No qu8 tactic takes this conv's int8 form: it keeps its first timing's pick.
      if (!KilnError.isInstance(error)) throw error;
      form.tactic = undefined;
    }
  }
  let moved = 0;
  for (const [layer, form] of forms) {
    const int8Ms = form.tactic && form.family !== 'reference' ? form.timings?.[form.tactic] : undefined;
    const [fp32Tactic, fp32Ms] = fastest(layer.timings!, (tactic) => !isQu8Conv(tactic));
    if (!form.tactic || int8Ms === undefined) continue;
    if (fp32Ms !== undefined && int8Ms > fp32Ms * NEIGHBOUR_MARGIN) {
      log(`Precision: ${layer.name} stays ${layer.tactic} (int8 form ${form.tactic} ${int8Ms.toFixed(4)} ms > ${NEIGHBOUR_MARGIN} x ${fp32Tactic} ${fp32Ms.toFixed(4)} ms)`);
      continue;
    }
    if (!isQu8Conv(layer.tactic ?? '')) moved++;
    log(`Precision: ${layer.name} → ${form.tactic} (int8 form ${int8Ms.toFixed(4)} ms${fp32Ms === undefined ? '' : `, ${fp32Tactic} ${fp32Ms.toFixed(4)} ms`}; timed with fp32 in and out: ${layer.tactic})`);
    layer.tactic = form.tactic;
  }
  log(`Precision: ${forms.size} convs timed in their int8 form (uint8 in and/or out); ${moved} moved from fp32 to int8 tactics`);
}

/**
 * The fastest tactic of a timing record among those `keep` accepts, as [tactic, ms]; ties go to
 * the earlier entry.
 *
 * @internal
 */
export function fastest(timings: Readonly<Record<string, number>>, keep: (tactic: string) => boolean = () => true): [string | undefined, number | undefined] {
  let best: [string | undefined, number | undefined] = [undefined, undefined];
  for (const [tactic, ms] of Object.entries(timings)) {
    if (keep(tactic) && (best[1] === undefined || ms < best[1])) best = [tactic, ms];
  }
  return best;
}

/** Layers that may read or write uint8 tensors between int8 layers (see keepInt8Activations). */
function int8Capable(layer: LoweredLayer): boolean {
  return (layer.type === 'Convolution' && layer.inputGrid !== undefined) || layer.family === 'f32_maxpool2d_nhwc' || layer.family === 'x_concat';
}

/** A copy of a conv that may run in int8, reading and/or writing uint8, with its timed qu8 tactics as candidates. */
function int8Form(layer: LoweredLayer, inputU8: boolean, outputU8: boolean): LoweredLayer | undefined {
  const [x, ...rest] = layer.inputs;
  const y = layer.outputs[0];
  if (layer.type !== 'Convolution' || !layer.inputGrid || !layer.timings || layer.outputs.length !== 1 || !x || !y) return undefined;
  if (x.dtype !== 'float32' || y.dtype !== 'float32' || !x.shape || !y.shape) return undefined;
  const candidates = Object.keys(layer.timings).filter(isQu8Conv);
  if (candidates.length < 2) return undefined; // one candidate is picked untimed: nothing to compare
  const { scale, zeroPoint } = layer.inputGrid;
  return {
    ...layer,
    name: `${layer.name} (int8 form)`,
    inputs: [inputU8 ? variable(x.name, 'uint8', [...x.shape]) : x, ...rest],
    outputs: [outputU8 ? variable(y.name, 'uint8', [...y.shape]) : y],
    // The output grid's values do not change the kernel's speed: the input grid stands in.
    params: outputU8 ? [...layer.params!, scale, zeroPoint] : layer.params,
    candidates,
    tactic: undefined,
    timings: undefined,
  };
}

import type { Value } from '@kiln/onnx-tools';
import { readNchwInputs } from './read-nchw.js';
import type { LoweredLayer } from './types.js';

/** Options of {@link cancelReformats}. */
export interface CancelOptions {
  /** Let few-channel convolutions read an NCHW input themselves (readNchwInputs); default true. */
  readNchw?: boolean;
}

/**
 * Peephole over lowered layers: a Reformat (transpose) whose input comes from another Reformat
 * with the inverse permutation is dropped, its readers reading the first one's input instead —
 * so conv → conv stays NHWC. The model's own Transposes count too: ConvNeXt's blocks write
 * Conv → Transpose(0, 2, 3, 1) → LayerNorm over channels, and the conv's NHWC→NCHW Reformat and
 * that Transpose cancel. A stem convolution left behind an NCHW→NHWC Reformat then reads the
 * NCHW tensor itself (readNchwInputs). Then reformats nobody reads go away.
 */
export function cancelReformats(layers: LoweredLayer[], graphOutputs: ReadonlySet<Value>, options: CancelOptions = {}): LoweredLayer[] {
  const producer = new Map<Value, LoweredLayer>();
  for (const layer of layers) for (const output of layer.outputs) producer.set(output, layer);
  const replace = new Map<Value, Value>();
  for (const layer of layers) {
    layer.inputs = layer.inputs.map((input) => (input === undefined ? undefined : (replace.get(input) ?? input)));
    if (!isTranspose(layer) || graphOutputs.has(layer.outputs[0]!)) continue;
    const source = layer.inputs[0] ? producer.get(layer.inputs[0]) : undefined;
    if (!source || !isTranspose(source)) continue;
    if (inverse(source.params as number[], layer.params as number[])) replace.set(layer.outputs[0]!, source.inputs[0]!);
  }
  let live = layers.filter((layer) => !(isTranspose(layer) && replace.has(layer.outputs[0]!)));
  if (options.readNchw !== false) readNchwInputs(live);
  // Drop reformats whose outputs nothing reads any more (repeat: removing one can orphan another).
  for (let changed = true; changed; ) {
    changed = false;
    const read = new Set<Value>();
    for (const layer of live) for (const input of layer.inputs) if (input) read.add(input);
    const next = live.filter((layer) => !isTranspose(layer) || layer.outputs.some((output) => read.has(output) || graphOutputs.has(output)));
    changed = next.length !== live.length;
    live = next;
  }
  return live;
}

const isTranspose = (layer: LoweredLayer) => layer.type === 'Reformat' || (layer.family === 'x_transpose' && layer.inputs.length === 1);

function inverse(first: readonly number[], second: readonly number[]): boolean {
  return first.length === second.length && first.every((_, axis) => first[second[axis]!] === axis);
}

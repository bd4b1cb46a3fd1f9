import { kernels } from '@kiln/core-native';
import type { Value } from '@kiln/onnx-tools';
import { variable } from './layout.js';
import type { LoweredLayer } from './types.js';

/**
 * Helpers shared by the passes that store activations narrower than fp32 between layers
 * (keepInt8Activations: uint8, keepBf16Activations: bfloat16).
 */

/** Every reader of each value: the layer and the input position it reads the value at. */
export type Readers = Map<Value, { layer: LoweredLayer; index: number }[]>;

/** @internal */
export function readersOf(layers: readonly LoweredLayer[]): Readers {
  const readers: Readers = new Map();
  for (const layer of layers) {
    layer.inputs.forEach((input, index) => {
      if (input) readers.set(input, [...(readers.get(input) ?? []), { layer, index }]);
    });
  }
  return readers;
}

/**
 * Puts a new `dtype` tensor in place of the fp32 `value` (IR values are immutable) as its
 * producer's output and in every reader's inputs; returns the producer.
 *
 * @internal
 */
export function narrowValue(value: Value, dtype: 'uint8' | 'bfloat16', layers: readonly LoweredLayer[], readers: Readers): LoweredLayer {
  const narrow = variable(value.name, dtype, [...value.shape!]);
  const producer = layers.find((layer) => layer.outputs[0] === value)!;
  producer.outputs = [narrow];
  for (const { layer } of readers.get(value)!) layer.inputs = layer.inputs.map((input) => (input === value ? narrow : input));
  return producer;
}

/** The tactic when this CPU runs it. @internal */
export function runnable(tactic: string): string | undefined {
  return kernels().find((kernel) => kernel.name === tactic && kernel.runnable)?.name;
}

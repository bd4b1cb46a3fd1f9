import type { Value } from '@kiln/onnx-tools';
import type { LoweredLayer } from './types.js';

/**
 * Pointwise-chain fusion over lowered layers: an `f32_vunary` layer (a chain of unary steps)
 * whose input is produced by another `f32_vunary` layer that nothing else reads becomes one
 * layer running both chains in one pass over the data (e.g. Sigmoid → Neg, HardSigmoid → Mul…
 * sequences), the intermediate tensor gone. After an `f32_vbinary_*` layer, the unary chain
 * becomes that layer's epilogue (a BatchNormalization's Add, then its ReLU, in NHWC).
 */
export function fusePointwise(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, note: (line: string) => void = () => {}): LoweredLayer[] {
  const readers = new Map<Value, number>();
  for (const layer of layers) for (const input of layer.inputs) if (input) readers.set(input, (readers.get(input) ?? 0) + 1);
  const producer = new Map<Value, LoweredLayer>();
  const result: LoweredLayer[] = [];
  for (const layer of layers) {
    const input = layer.inputs[0];
    const first = input ? producer.get(input) : undefined;
    const unaryAfter = first?.family === 'f32_vunary' || (first?.family.startsWith('f32_vbinary_') ?? false);
    const chainable = layer.family === 'f32_vunary' && unaryAfter && first?.tactic === undefined && layer.tactic === undefined;
    if (chainable && first && input && readers.get(input) === 1 && !graphOutputs.has(input)) {
      const merged: LoweredLayer = {
        ...(first.family === 'f32_vunary' ? layer : first),
        outputs: layer.outputs,
        name: `${first.name} + ${layer.name}`,
        inputs: first.inputs,
        epilogue: [...(first.epilogue ?? []), ...(layer.epilogue ?? [])],
        sources: [...first.sources, ...layer.sources],
        origin: undefined,
      };
      result[result.indexOf(first)] = merged;
      note(`Fused: ${merged.sources.join(' + ')}`);
      for (const output of merged.outputs) producer.set(output, merged);
      continue;
    }
    result.push(layer);
    for (const output of layer.outputs) producer.set(output, layer);
  }
  return result;
}

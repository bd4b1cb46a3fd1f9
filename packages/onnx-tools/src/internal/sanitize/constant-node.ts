import type { Tensor } from '../../tensor.js';
import type { Node } from '../ir/node.js';

/** The value of an ai.onnx `Constant` node, or undefined for forms it does not cover (sparse). */
export function constantNodeValue(node: Node): Tensor | undefined {
  for (const [name, attribute] of node.attributes) {
    switch (name) {
      case 'value':
        return attribute.type === 'tensor' ? attribute.value : undefined;
      case 'value_float':
        return attribute.type === 'float' ? { type: 'float32', dims: [], data: Float32Array.of(attribute.value) } : undefined;
      case 'value_floats':
        return attribute.type === 'floats' ? { type: 'float32', dims: [attribute.value.length], data: Float32Array.from(attribute.value) } : undefined;
      case 'value_int':
        return attribute.type === 'int' ? { type: 'int64', dims: [], data: BigInt64Array.of(BigInt(attribute.value)) } : undefined;
      case 'value_ints':
        return attribute.type === 'ints' ? { type: 'int64', dims: [attribute.value.length], data: BigInt64Array.from(attribute.value, (v) => BigInt(v)) } : undefined;
      case 'value_string':
        return attribute.type === 'string' ? { type: 'string', dims: [], data: [attribute.value] } : undefined;
      case 'value_strings':
        return attribute.type === 'strings' ? { type: 'string', dims: [attribute.value.length], data: [...attribute.value] } : undefined;
    }
  }
  return undefined;
}

/** Shape (opset 15 start/end) or Size of a statically known shape, as int64 tensors. */
export function staticShapeValue(node: Node, dims: readonly number[]): Tensor | undefined {
  if (node.op === 'Size') {
    return { type: 'int64', dims: [], data: BigInt64Array.of(BigInt(dims.reduce((a, b) => a * b, 1))) };
  }
  const rank = dims.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = node.attributes.get('start');
  const end = node.attributes.get('end');
  const from = start?.type === 'int' ? clamp(start.value) : 0;
  const to = end?.type === 'int' ? clamp(end.value) : rank;
  const slice = dims.slice(from, Math.max(from, to));
  return { type: 'int64', dims: [slice.length], data: BigInt64Array.from(slice, (d) => BigInt(d)) };
}

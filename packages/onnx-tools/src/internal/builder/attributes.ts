import type { Tensor } from '../../tensor.js';
import type { AttributeValue } from '../attribute.js';
import { Graph } from '../ir/graph.js';

/** An attribute as a builder takes it: plain JS values, or an explicit tagged value. */
export type AttributeInput = number | string | readonly number[] | readonly string[] | Tensor | Graph | readonly Graph[] | AttributeValue<Graph>;

function isTagged(value: AttributeInput): value is AttributeValue<Graph> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'type' in value && 'value' in value && !('dims' in value);
}

/**
 * Turn plain values into tagged attributes: integers → `int`/`ints`, other numbers →
 * `float`/`floats` (tag explicitly, `{ type: 'float', value: 1 }`, for an integral float),
 * strings → `string`/`strings`, tensors → `tensor`, graphs → `graph`/`graphs`.
 */
export function toAttributes(input: Readonly<Record<string, AttributeInput | undefined>> = {}): Map<string, AttributeValue<Graph>> {
  const map = new Map<string, AttributeValue<Graph>>();
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    map.set(name, toAttribute(value));
  }
  return map;
}

function toAttribute(value: AttributeInput): AttributeValue<Graph> {
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'int', value } : { type: 'float', value };
  if (typeof value === 'string') return { type: 'string', value };
  if (value instanceof Graph) return { type: 'graph', value };
  if (Array.isArray(value)) {
    const list = value as readonly unknown[];
    if (list.length > 0 && list.every((v) => v instanceof Graph)) return { type: 'graphs', value: [...(list as Graph[])] };
    if (list.every((v) => typeof v === 'string')) return list.length ? { type: 'strings', value: [...(list as string[])] } : { type: 'ints', value: [] };
    const numbers = list as number[];
    return numbers.every(Number.isInteger) ? { type: 'ints', value: [...numbers] } : { type: 'floats', value: [...numbers] };
  }
  if (isTagged(value as AttributeInput)) return value as AttributeValue<Graph>;
  return { type: 'tensor', value: value as Tensor };
}

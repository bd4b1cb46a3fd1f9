// Typed attribute getters and readers for the small int tensors that carry shapes, axes, etc.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { toNumbers } from './dtype.js';
import { evaluateError } from './errors.js';

export function intAttr(attributes: Attributes, name: string, fallback: number): number;
export function intAttr(attributes: Attributes, name: string, fallback?: number): number | undefined;
export function intAttr(attributes: Attributes, name: string, fallback?: number): number | undefined {
  const a = attributes.get(name);
  return a?.type === 'int' ? a.value : fallback;
}

export function floatAttr(attributes: Attributes, name: string, fallback: number): number;
export function floatAttr(attributes: Attributes, name: string, fallback?: number): number | undefined;
export function floatAttr(attributes: Attributes, name: string, fallback?: number): number | undefined {
  const a = attributes.get(name);
  if (a?.type === 'float' || a?.type === 'int') return a.value;
  return fallback;
}

export function stringAttr(attributes: Attributes, name: string, fallback: string): string;
export function stringAttr(attributes: Attributes, name: string, fallback?: string): string | undefined;
export function stringAttr(attributes: Attributes, name: string, fallback?: string): string | undefined {
  const a = attributes.get(name);
  return a?.type === 'string' ? a.value : fallback;
}

export function intsAttr(attributes: Attributes, name: string): number[] | undefined {
  const a = attributes.get(name);
  if (a?.type === 'ints') return a.value;
  if (a?.type === 'int') return [a.value];
  return undefined;
}

export function floatsAttr(attributes: Attributes, name: string): number[] | undefined {
  const a = attributes.get(name);
  if (a?.type === 'floats') return a.value;
  if (a?.type === 'ints') return a.value;
  return undefined;
}

export function stringsAttr(attributes: Attributes, name: string): string[] | undefined {
  const a = attributes.get(name);
  return a?.type === 'strings' ? a.value : undefined;
}

export function tensorAttr(attributes: Attributes, name: string): Tensor | undefined {
  const a = attributes.get(name);
  return a?.type === 'tensor' ? a.value : undefined;
}

export function graphAttr<G>(attributes: Attributes<G>, name: string): G | undefined {
  const a = attributes.get(name);
  return a?.type === 'graph' ? a.value : undefined;
}

/** Integer elements of an int32/int64 (or any integer) tensor as numbers, clamped to ±2^53. */
export function readInts(tensor: Tensor): number[] {
  const data = tensor.data;
  const out = new Array<number>(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      out[i] = v > 9007199254740991n ? Number.MAX_SAFE_INTEGER : v < -9007199254740991n ? -Number.MAX_SAFE_INTEGER : Number(v);
    }
  } else if (Array.isArray(data)) throw new TypeError('readInts: string tensor');
  else for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/** The required input `index`; throws ERR_EVALUATE naming it when absent. */
export function requireInput(context: OpContext, inputs: readonly (Tensor | undefined)[], index: number): Tensor {
  const t = inputs[index];
  if (!t) throw evaluateError(context, `input ${index} is required`, { expected: `a tensor at input ${index}`, found: 'nothing' });
  return t;
}

/** A scalar (or one-element tensor) input as a number, or `fallback` when absent. */
export function scalarInput(inputs: readonly (Tensor | undefined)[], index: number, fallback: number): number {
  const t = inputs[index];
  if (!t || t.data.length === 0) return fallback;
  return toNumbers(t)[0]!;
}

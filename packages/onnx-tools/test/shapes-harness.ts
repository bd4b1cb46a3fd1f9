// Test helper: applies one shape rule with a hand-built context.
import type { AttributeValue } from '../src/internal/attribute.js';
import { type Dim, type ShapeContext, type ValueInfo, findShapeRule } from '../src/internal/shapes/index.js';

export interface ApplyOptions {
  opset?: number;
  attributes?: Record<string, AttributeValue>;
  /** Known values of inputs by index (constants or propagated shape values). */
  values?: Record<number, Dim[]>;
  outputCount?: number;
}

/** Shorthand for a tensor's info: `t('float32', ['N', 3])`. */
export function t(type: ValueInfo['type'], dims: Dim[] | undefined, value?: Dim[]): ValueInfo {
  return value === undefined ? { type, dims } : { type, dims, value };
}

export const ints = (value: number[]): AttributeValue => ({ type: 'ints', value });
export const int = (value: number): AttributeValue => ({ type: 'int', value });
export const str = (value: string): AttributeValue => ({ type: 'string', value });

export function apply(opType: string, inputs: (ValueInfo | undefined)[], options: ApplyOptions = {}): ValueInfo[] {
  const rule = findShapeRule('', opType);
  if (!rule) throw new Error(`no rule for ${opType}`);
  let fresh = 0;
  const context: ShapeContext = {
    opType,
    domain: '',
    nodeName: 'n0',
    opset: options.opset ?? 21,
    outputCount: options.outputCount ?? 1,
    hasInput: (i) => inputs[i] !== undefined,
    constantInput: () => undefined,
    valueInput: (i) => options.values?.[i] ?? inputs[i]?.value,
    freshDim: () => `unk__${fresh++}`,
    warn: () => {},
  };
  const filled = inputs.map((i) => i ?? { type: undefined, dims: undefined });
  return rule(filled, new Map(Object.entries(options.attributes ?? {})), context);
}

/** Dims of output `index`. */
export function dimsOf(opType: string, inputs: (ValueInfo | undefined)[], options: ApplyOptions = {}, index = 0): Dim[] | undefined {
  return apply(opType, inputs, options)[index]?.dims;
}

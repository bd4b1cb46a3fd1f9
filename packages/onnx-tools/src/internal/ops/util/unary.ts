// Registrations of element-wise unary ops: one function per element.
import type { TensorType } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpRegistration } from '../contract.js';
import { requireInput } from './attributes.js';
import { defineOp } from './define.js';
import { FLOAT_TYPES } from './dtype.js';
import { mapUnary } from './elementwise.js';

/**
 * An op `y = fn(x)` element-wise for the `types` it accepts. int64/uint64 inputs use `big`
 * (exact) when given; `outType` overrides the output type (e.g. bool for IsNaN).
 */
export function unaryOp(
  opType: string,
  since: number,
  types: readonly TensorType[],
  fn: (v: number) => number,
  big?: (v: bigint) => bigint,
  outType?: TensorType,
): OpRegistration {
  return defineOp(opType, since, (inputs, _attributes, context) => {
    const x = requireInput(context, inputs, 0);
    return [mapUnary(context, x, types, fn, big, outType ?? x.type)];
  });
}

/**
 * A float element-wise op whose function depends on attributes (alpha, beta, ...): `make`
 * reads them once per node and returns the per-element function.
 */
export function activationOp(opType: string, since: number, make: (attributes: Attributes) => (v: number) => number): OpRegistration {
  return defineOp(opType, since, (inputs, attributes, context) => [
    mapUnary(context, requireInput(context, inputs, 0), FLOAT_TYPES, make(attributes)),
  ]);
}

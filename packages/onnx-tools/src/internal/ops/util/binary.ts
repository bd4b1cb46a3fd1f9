// Registrations of broadcasting binary ops and variadic ops built from one.
import type { Tensor, TensorType } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext, OpRegistration } from '../contract.js';
import { requireInput } from './attributes.js';
import { defineOp } from './define.js';
import { compareBinary } from './elementwise.js';
import { evaluateError } from './errors.js';

/** A broadcasting op of two tensors. */
export type Binary = (context: OpContext, a: Tensor, b: Tensor, attributes: Attributes) => Tensor;

/** Registers `apply(A, B)` for inputs 0 and 1. */
export function binaryOp(opType: string, since: number, apply: Binary, until = Infinity): OpRegistration {
  return defineOp(
    opType,
    since,
    (inputs, attributes, context) => [apply(context, requireInput(context, inputs, 0), requireInput(context, inputs, 1), attributes)],
    until,
  );
}

/** Registers a broadcasting comparison producing bool. */
export function comparisonOp(
  opType: string,
  since: number,
  types: readonly TensorType[],
  test: (x: number | bigint | string, y: number | bigint | string) => boolean,
): OpRegistration {
  return binaryOp(opType, since, (context, a, b) => compareBinary(context, a, b, types, test));
}

/** Folds `fold` over every present input left to right; `finish` post-processes the result. */
export function variadicOp(opType: string, since: number, fold: Binary, finish?: (context: OpContext, t: Tensor, count: number) => Tensor): OpRegistration {
  return defineOp(opType, since, (inputs, attributes, context) => {
    const present = inputs.filter((t): t is Tensor => t !== undefined);
    if (present.length === 0) throw evaluateError(context, 'needs at least one input', { expected: '>= 1 input', found: '0' });
    let acc = present[0]!;
    for (let i = 1; i < present.length; i++) acc = fold(context, acc, present[i]!, attributes);
    return [finish ? finish(context, acc, present.length) : acc];
  });
}

// Broadcasting binary, comparison, logical, bitwise and variadic element-wise ops.
import type { Tensor, TensorType } from '../../tensor.js';
import type { OpContext, OpRegistration } from './contract.js';
import { intAttr, requireInput, stringAttr } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { allocate, expectType, FLOAT_TYPES, INT_TYPES, isFloatType, makeTensor, NUMERIC_TYPES, UNSIGNED_INT_TYPES } from './util/dtype.js';
import { compareBinary, mapBinary, mapUnary } from './util/elementwise.js';
import { evaluateError } from './util/errors.js';
import { broadcastIndex, broadcastShapes } from './util/shape.js';

const ALL_TYPES: readonly TensorType[] = [...NUMERIC_TYPES, 'bool', 'string'];

type Binary = (context: OpContext, a: Tensor, b: Tensor, attributes: ReadonlyMap<string, unknown>) => Tensor;

function binaryOp(opType: string, since: number, apply: Binary, until = Infinity): OpRegistration {
  return defineOp(
    opType,
    since,
    (inputs, attributes, context) => [apply(context, requireInput(context, inputs, 0), requireInput(context, inputs, 1), attributes)],
    until,
  );
}

const add: Binary = (c, a, b) => mapBinary(c, a, b, NUMERIC_TYPES, (x, y) => x + y, (x, y) => x + y);
const sub: Binary = (c, a, b) => mapBinary(c, a, b, NUMERIC_TYPES, (x, y) => x - y, (x, y) => x - y);
const mul: Binary = (c, a, b) => mapBinary(c, a, b, NUMERIC_TYPES, (x, y) => x * y, (x, y) => x * y);
const div: Binary = (c, a, b) =>
  mapBinary(c, a, b, NUMERIC_TYPES, isFloatType(a.type) ? (x, y) => x / y : (x, y) => (y === 0 ? 0 : Math.trunc(x / y)), (x, y) => (y === 0n ? 0n : x / y));

function powBig(x: bigint, y: bigint): bigint {
  if (y < 0n) return x === 1n ? 1n : 0n;
  return x ** y;
}
const pow: Binary = (c, a, b) => mapBinary(c, a, b, NUMERIC_TYPES, (x, y) => x ** y, powBig);

const mod: Binary = (c, a, b, attributes) => {
  const fmod = intAttr(attributes as never, 'fmod', 0) === 1;
  if (fmod) return mapBinary(c, a, b, NUMERIC_TYPES, (x, y) => x % y, (x, y) => (y === 0n ? 0n : x % y));
  if (isFloatType(a.type)) {
    throw evaluateError(c, 'fmod=0 is defined for integer inputs only', { expected: 'fmod=1 for floating point', found: a.type });
  }
  return mapBinary(
    c, a, b, INT_TYPES,
    (x, y) => (y === 0 ? 0 : ((x % y) + y) % y),
    (x, y) => (y === 0n ? 0n : ((x % y) + y) % y),
  );
};

const bitShift: Binary = (c, a, b, attributes) => {
  const left = stringAttr(attributes as never, 'direction', 'LEFT') === 'LEFT';
  if (left) return mapBinary(c, a, b, UNSIGNED_INT_TYPES, (x, y) => (y >= 32 ? 0 : x * 2 ** y), (x, y) => x << y);
  return mapBinary(c, a, b, UNSIGNED_INT_TYPES, (x, y) => Math.floor(x / 2 ** y), (x, y) => x >> y);
};

const prelu: Binary = (c, x, slope) => mapBinary(c, x, slope, NUMERIC_TYPES, (v, s) => (v < 0 ? v * s : v), (v, s) => (v < 0n ? v * s : v));

const compare = (test: (x: number | bigint | string, y: number | bigint | string) => boolean, types: readonly TensorType[]): Binary => (c, a, b) =>
  compareBinary(c, a, b, types, test);

const BOOL: readonly TensorType[] = ['bool'];

function maxOf(x: number, y: number): number {
  return x > y || Number.isNaN(x) ? x : y;
}
function minOf(x: number, y: number): number {
  return x < y || Number.isNaN(x) ? x : y;
}

function variadic(opType: string, since: number, fold: Binary, finish?: (context: OpContext, t: Tensor, count: number) => Tensor): OpRegistration {
  return defineOp(opType, since, (inputs, attributes, context) => {
    const present = inputs.filter((t): t is Tensor => t !== undefined);
    if (present.length === 0) throw evaluateError(context, 'needs at least one input', { expected: '>= 1 input', found: '0' });
    let acc = present[0]!;
    for (let i = 1; i < present.length; i++) acc = fold(context, acc, present[i]!, attributes);
    return [finish ? finish(context, acc, present.length) : acc];
  });
}

const maxBinary: Binary = (c, a, b) => mapBinary(c, a, b, NUMERIC_TYPES, maxOf, (x, y) => (x > y ? x : y));
const minBinary: Binary = (c, a, b) => mapBinary(c, a, b, NUMERIC_TYPES, minOf, (x, y) => (x < y ? x : y));

function where(context: OpContext, condition: Tensor, x: Tensor, y: Tensor): Tensor {
  expectType(context, condition, BOOL, 'condition');
  if (x.type !== y.type) throw evaluateError(context, 'X and Y must have the same type', { expected: x.type, found: y.type });
  const dims = broadcastShapes(context, [condition.dims, x.dims, y.dims]);
  const mapC = broadcastIndex(dims, condition.dims);
  const mapX = broadcastIndex(dims, x.dims);
  const mapY = broadcastIndex(dims, y.dims);
  let n = 1;
  for (const d of dims) n *= d;
  const cond = condition.data as Uint8Array;
  const xs = x.data as ArrayLike<unknown>;
  const ys = y.data as ArrayLike<unknown>;
  const out = allocate(x.type, n) as unknown as unknown[];
  for (let i = 0; i < n; i++) {
    out[i] = cond[mapC ? mapC[i]! : i] ? xs[mapX ? mapX[i]! : i] : ys[mapY ? mapY[i]! : i];
  }
  return makeTensor(x.type, dims, out as never);
}

export const ops: OpRegistration[] = [
  binaryOp('Add', 7, add),
  binaryOp('Sub', 7, sub),
  binaryOp('Mul', 7, mul),
  binaryOp('Div', 7, div),
  binaryOp('Pow', 7, pow),
  binaryOp('Mod', 10, mod),
  binaryOp('BitShift', 11, bitShift),
  binaryOp('PRelu', 7, prelu),
  binaryOp('Equal', 7, compare((x, y) => x === y, ALL_TYPES)),
  binaryOp('Greater', 7, compare((x, y) => x > y, NUMERIC_TYPES)),
  binaryOp('Less', 7, compare((x, y) => x < y, NUMERIC_TYPES)),
  binaryOp('GreaterOrEqual', 12, compare((x, y) => x >= y, NUMERIC_TYPES)),
  binaryOp('LessOrEqual', 12, compare((x, y) => x <= y, NUMERIC_TYPES)),
  binaryOp('And', 7, compare((x, y) => Boolean(x) && Boolean(y), BOOL)),
  binaryOp('Or', 7, compare((x, y) => Boolean(x) || Boolean(y), BOOL)),
  binaryOp('Xor', 7, compare((x, y) => Boolean(x) !== Boolean(y), BOOL)),
  binaryOp('BitwiseAnd', 18, (c, a, b) => mapBinary(c, a, b, INT_TYPES, (x, y) => x & y, (x, y) => x & y)),
  binaryOp('BitwiseOr', 18, (c, a, b) => mapBinary(c, a, b, INT_TYPES, (x, y) => x | y, (x, y) => x | y)),
  binaryOp('BitwiseXor', 18, (c, a, b) => mapBinary(c, a, b, INT_TYPES, (x, y) => x ^ y, (x, y) => x ^ y)),
  variadic('Max', 8, maxBinary),
  variadic('Min', 8, minBinary),
  variadic('Sum', 8, add),
  variadic('Mean', 8, add, (c, t, count) => mapUnary(c, t, FLOAT_TYPES, (x) => x / count)),
  defineOp('Where', 9, (inputs, _a, context) => [
    where(context, requireInput(context, inputs, 0), requireInput(context, inputs, 1), requireInput(context, inputs, 2)),
  ]),
];

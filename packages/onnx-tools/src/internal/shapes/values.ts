/**
 * Symbolic value propagation for shape tensors.
 *
 * Torch exports compute shapes at run time: `Shape → Gather → Unsqueeze → Concat → Reshape`.
 * Inference tracks the element values of small tensors (at most {@link MAX_TRACKED_ELEMENTS}),
 * each a number or a symbolic dim, so the consumer (Reshape, Expand, ...) sees `['N', 128, 4, 64]`
 * instead of "unknown". Shape-manipulating ops (Shape, Gather, Slice, Concat, Squeeze, Unsqueeze,
 * Reshape, ConstantOfShape, Range) set values in their own rules; this file handles the arithmetic
 * and selection ops, elementwise with numpy broadcasting.
 */
import type { ElementType } from '../ir/dtype.js';
import { addDims, divDims, divExact, maxDims, minDims, mulDims, numbersOf, product, sameDim, subDims } from './dims.js';
import { isIntegerType } from './element-types.js';
import type { Dim, ShapeContext, ValueInfo } from './types.js';

/** Tensors with more elements than this are not tracked. */
export const MAX_TRACKED_ELEMENTS = 64;

/** Thrown inside an operation to say "the result is not known". */
const UNKNOWN = Symbol('unknown');

function numeric(a: Dim, b: Dim): [number, number] {
  if (typeof a !== 'number' || typeof b !== 'number') throw UNKNOWN;
  return [a, b];
}

/** Symbols stand for extents, which are never negative. */
function compare(a: Dim, b: Dim): number {
  if (sameDim(a, b)) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' && a < 0) return -1;
  if (typeof b === 'number' && b < 0) return 1;
  throw UNKNOWN;
}

type Binary = (a: Dim, b: Dim, type: ElementType | undefined) => Dim;

const BINARY: Readonly<Record<string, Binary>> = {
  Add: addDims,
  Sub: subDims,
  Mul: mulDims,
  Div: (a, b, type) => {
    if (typeof a === 'number' && typeof b === 'number') {
      if (b === 0) throw UNKNOWN;
      return isIntegerType(type) ? Math.trunc(a / b) : a / b;
    }
    const exact = divExact(a, b);
    if (exact !== undefined) return exact;
    if (isIntegerType(type)) return divDims(a, b);
    throw UNKNOWN;
  },
  Mod: (a, b) => {
    const [x, y] = numeric(a, b);
    if (y === 0) throw UNKNOWN;
    return x - Math.floor(x / y) * y;
  },
  Max: maxDims,
  Min: minDims,
  Sum: addDims,
  Pow: (a, b) => {
    const [x, y] = numeric(a, b);
    return x ** y;
  },
  Equal: (a, b) => (compare(a, b) === 0 ? 1 : 0),
  Less: (a, b) => (compare(a, b) < 0 ? 1 : 0),
  LessOrEqual: (a, b) => (compare(a, b) <= 0 ? 1 : 0),
  Greater: (a, b) => (compare(a, b) > 0 ? 1 : 0),
  GreaterOrEqual: (a, b) => (compare(a, b) >= 0 ? 1 : 0),
  And: (a, b) => (numeric(a, b)[0] !== 0 && numeric(a, b)[1] !== 0 ? 1 : 0),
  Or: (a, b) => (numeric(a, b)[0] !== 0 || numeric(a, b)[1] !== 0 ? 1 : 0),
};

type Unary = (a: Dim, type: ElementType | undefined) => Dim;

function numericUnary(f: (x: number) => number): Unary {
  return (a) => {
    if (typeof a !== 'number') throw UNKNOWN;
    return f(a);
  };
}

const UNARY: Readonly<Record<string, Unary>> = {
  Identity: (a) => a,
  Expand: (a) => a,
  Neg: (a) => mulDims(a, -1),
  Abs: numericUnary(Math.abs),
  Floor: (a) => (typeof a === 'number' ? Math.floor(a) : a),
  Ceil: (a) => (typeof a === 'number' ? Math.ceil(a) : a),
  Round: (a) => (typeof a === 'number' ? Math.round(a) : a),
  Sqrt: numericUnary(Math.sqrt),
  Reciprocal: numericUnary((x) => 1 / x),
  Not: numericUnary((x) => (x === 0 ? 1 : 0)),
  Sign: (a) => (typeof a === 'number' ? Math.sign(a) : a === '0' ? 0 : 1),
  Cast: (a, type) => {
    if (typeof a !== 'number') return a;
    if (type === 'bool') return a !== 0 ? 1 : 0;
    return isIntegerType(type) ? Math.trunc(a) : a;
  },
};

const REDUCE: Readonly<Record<string, (values: Dim[]) => Dim>> = {
  ReduceProd: (values) => product(values),
  ReduceSum: (values) => values.reduce<Dim>((a, b) => addDims(a, b), 0),
  ReduceMax: (values) => values.slice(1).reduce<Dim>((a, b) => maxDims(a, b), values[0] as Dim),
  ReduceMin: (values) => values.slice(1).reduce<Dim>((a, b) => minDims(a, b), values[0] as Dim),
};

/** Reads element `index` (row-major in `outDims`) of an input broadcast to `outDims`. */
function broadcastRead(value: readonly Dim[], dims: readonly number[], outDims: readonly number[], index: number): Dim {
  let offset = 0;
  let stride = 1;
  let rest = index;
  const outIndex: number[] = new Array(outDims.length);
  for (let axis = outDims.length - 1; axis >= 0; axis--) {
    const extent = outDims[axis] as number;
    outIndex[axis] = rest % extent;
    rest = Math.floor(rest / extent);
  }
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    const extent = dims[axis] as number;
    const at = outIndex[axis + outDims.length - dims.length] as number;
    offset += (extent === 1 ? 0 : at) * stride;
    stride *= extent;
  }
  return value[offset] as Dim;
}

/**
 * The output values of node output 0 when they can be computed from known input values;
 * undefined otherwise. `outputs[0]` already holds the rule's shape and type.
 */
export function propagateValue(inputs: readonly ValueInfo[], output: ValueInfo, context: ShapeContext): Dim[] | undefined {
  const outDims = numbersOf(output.dims);
  if (outDims === undefined) return undefined;
  const count = outDims.reduce((a, b) => a * b, 1);
  if (count > MAX_TRACKED_ELEMENTS) return undefined;
  const op = context.opType;
  const reduce = REDUCE[op];
  if (reduce !== undefined) {
    const value = context.valueInput(0);
    const dims = inputs[0]?.dims;
    if (value === undefined || dims === undefined || dims.length !== 1 || count !== 1 || value.length === 0) return undefined;
    return attempt(() => [reduce(value)]);
  }
  const arity = BINARY[op] !== undefined ? 2 : UNARY[op] !== undefined ? 1 : op === 'Where' ? 3 : 0;
  if (arity === 0) return undefined;
  const operands: { value: Dim[]; dims: number[] }[] = [];
  for (let i = 0; i < arity; i++) {
    const value = context.valueInput(i);
    const dims = numbersOf(inputs[i]?.dims);
    if (value === undefined || dims === undefined || value.length !== dims.reduce((a, b) => a * b, 1)) return undefined;
    operands.push({ value, dims });
  }
  const type = output.type;
  return attempt(() =>
    Array.from({ length: count }, (_, index) => {
      const [a, b, c] = operands.map((o) => broadcastRead(o.value, o.dims, outDims, index));
      if (op === 'Where') return compare(a as Dim, 0) !== 0 ? (b as Dim) : (c as Dim);
      if (arity === 1) return (UNARY[op] as Unary)(a as Dim, type);
      return (BINARY[op] as Binary)(a as Dim, b as Dim, inputs[0]?.type);
    }),
  );
}

function attempt(compute: () => Dim[]): Dim[] | undefined {
  try {
    return compute();
  } catch (error) {
    if (error === UNKNOWN) return undefined;
    throw error;
  }
}

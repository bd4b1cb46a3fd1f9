import { broadcastDim, broadcastShapes, intAttribute, stringAttribute } from '../dims.js';
import { type Dim, type ShapeContext, type ShapeRule, formatDims, shapeError } from '../types.js';

function checkInner(k1: Dim | undefined, k2: Dim | undefined, context: ShapeContext, a: readonly Dim[], b: readonly Dim[]): void {
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw shapeError(context, 'inner dimensions differ', {
      expected: `${k1}`,
      found: `${k2} (A ${formatDims(a)}, B ${formatDims(b)})`,
    });
  }
}

/** numpy.matmul: 1-D operands are promoted and the promoted axis removed; batch dims broadcast. */
export function matmulDims(a: readonly Dim[], b: readonly Dim[], context: ShapeContext): Dim[] {
  if (a.length === 0 || b.length === 0) throw shapeError(context, 'operands must not be scalars', { found: `${formatDims(a)} and ${formatDims(b)}` });
  const left = a.length === 1 ? [1, a[0] as Dim] : a;
  const right = b.length === 1 ? [b[0] as Dim, 1] : b;
  checkInner(left[left.length - 1], right[right.length - 2], context, a, b);
  const batch = broadcastShapes([left.slice(0, -2), right.slice(0, -2)], context);
  const out = [...batch];
  if (a.length !== 1) out.push(left[left.length - 2] as Dim);
  if (b.length !== 1) out.push(right[right.length - 1] as Dim);
  return out;
}

const matmul: ShapeRule = (inputs, _attributes, context) => {
  const a = inputs[0]?.dims;
  const b = inputs[1]?.dims;
  const type = inputs[0]?.type ?? inputs[1]?.type;
  return [{ type, dims: a === undefined || b === undefined ? undefined : matmulDims(a, b, context) }];
};

const gemm: ShapeRule = (inputs, attributes, context) => {
  const a = inputs[0]?.dims;
  const b = inputs[1]?.dims;
  const type = inputs[0]?.type ?? inputs[1]?.type;
  if (a === undefined || b === undefined) return [{ type, dims: undefined }];
  if (a.length !== 2 || b.length !== 2) throw shapeError(context, 'A and B must be 2-D', { found: `${formatDims(a)} and ${formatDims(b)}` });
  const transA = intAttribute(attributes, 'transA', 0) === 1;
  const transB = intAttribute(attributes, 'transB', 0) === 1;
  const [m, k1] = (transA ? [a[1], a[0]] : [a[0], a[1]]) as [Dim, Dim];
  const [k2, n] = (transB ? [b[1], b[0]] : [b[0], b[1]]) as [Dim, Dim];
  checkInner(k1, k2, context, a, b);
  const c = inputs[2]?.dims;
  if (context.hasInput(2) && c !== undefined) {
    // C broadcasts unidirectionally to [M, N].
    const padded = [...Array.from({ length: 2 - c.length }, () => 1), ...c];
    [m, n].forEach((target, i) => {
      const d = padded[i] as Dim;
      if (typeof d === 'number' && d !== 1 && typeof target === 'number' && d !== target) {
        throw shapeError(context, 'C cannot be broadcast to [M, N]', { expected: `[${m},${n}]`, found: formatDims(c) });
      }
    });
  }
  return [{ type, dims: [m, n] }];
};

/** Einsum: letters name axes; `...` stands for broadcast batch dims. */
const einsum: ShapeRule = (inputs, attributes, context) => {
  const type = inputs[0]?.type;
  const equation = stringAttribute(attributes, 'equation', '').replace(/\s+/g, '');
  if (inputs.some((i) => i?.dims === undefined)) return [{ type, dims: undefined }];
  const [lhs = '', rhs] = equation.split('->');
  const terms = lhs.split(',');
  if (terms.length !== inputs.length) throw shapeError(context, 'equation and inputs disagree', { expected: `${terms.length} inputs`, found: `${inputs.length}` });
  const letters = new Map<string, Dim>();
  const counts = new Map<string, number>();
  let ellipsis: Dim[] = [];
  terms.forEach((term, t) => {
    const dims = inputs[t]?.dims as Dim[];
    const [before = '', after] = term.split('...');
    const ellipsisRank = after === undefined ? 0 : dims.length - before.length - after.length;
    if (after === undefined && term.length !== dims.length) {
      throw shapeError(context, `term '${term}' does not match input ${t}`, { expected: `rank ${term.length}`, found: formatDims(dims) });
    }
    if (after !== undefined) ellipsis = broadcastShapes([ellipsis, dims.slice(before.length, before.length + ellipsisRank)], context);
    const named = [...before.split('').map((l, i) => [l, dims[i]] as const), ...(after ?? '').split('').map((l, i) => [l, dims[before.length + ellipsisRank + i]] as const)];
    for (const [letter, d] of named) {
      if (letter === '' || d === undefined) continue;
      const known = letters.get(letter);
      letters.set(letter, known === undefined ? d : broadcastDim(known, d, context));
      counts.set(letter, (counts.get(letter) ?? 0) + 1);
    }
  });
  if (rhs === undefined) {
    const single = [...counts].filter(([, c]) => c === 1).map(([l]) => l).sort();
    return [{ type, dims: [...ellipsis, ...single.map((l) => letters.get(l) as Dim)] }];
  }
  const out: Dim[] = [];
  const [before = '', after] = rhs.split('...');
  for (const l of before) out.push(letters.get(l) ?? context.freshDim());
  if (after !== undefined) {
    out.push(...ellipsis);
    for (const l of after) out.push(letters.get(l) ?? context.freshDim());
  }
  return [{ type, dims: out }];
};

export const linalgRules: Record<string, ShapeRule> = {
  MatMul: matmul,
  Gemm: gemm,
  Einsum: einsum,
  MatMulInteger: (inputs, attributes, context) => matmul(inputs, attributes, context).map((o) => ({ ...o, type: 'int32' })),
  QLinearMatMul: (inputs, _attributes, context) => {
    const [a, b] = [inputs[0]?.dims, inputs[3]?.dims];
    return [{ type: inputs[7]?.type ?? inputs[0]?.type, dims: a === undefined || b === undefined ? undefined : matmulDims(a, b, context) }];
  },
};

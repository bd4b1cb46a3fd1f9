// Einsum: Einstein summation over any equation ("ij,jk->ik", "...ii->...i", "i,i", ...).
// Every output position sums the product of the operands over the labels not in the output;
// a label repeated within one operand reads its diagonal; '...' stands for broadcast axes.
import type { Tensor } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, fromNumbers, NUMERIC_TYPES, sizeOf, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { stridesOf } from '../util/shape.js';

/** Labels of one operand, with '...' expanded to `ellipsis` digits ('0', '1', ...) right-aligned. */
function expandTerm(context: OpContext, term: string, rank: number | undefined, ellipsisRank: number): string[] {
  const [before, after] = term.split('...') as [string, string | undefined];
  const letters = [...before, ...(after ?? '')];
  if (letters.some((c) => !/^[a-zA-Z]$/.test(c))) throw evaluateError(context, 'equation labels must be letters', { found: term });
  if (after === undefined) {
    if (rank !== undefined && rank !== letters.length) throw evaluateError(context, 'operand rank does not match its labels', { expected: String(letters.length), found: `${rank} for '${term}'` });
    return letters;
  }
  const count = rank === undefined ? ellipsisRank : rank - letters.length;
  const broadcast = Array.from({ length: count }, (_, i) => String(ellipsisRank - count + i));
  return [...before, ...broadcast, ...after];
}

function einsum(context: OpContext, equation: string, operands: readonly Tensor[]): Tensor {
  const compact = equation.replace(/\s/g, '');
  const [lhs, rhs] = compact.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== operands.length) throw evaluateError(context, 'equation and inputs disagree on the operand count', { expected: String(terms.length), found: String(operands.length) });
  const ellipsisRank = Math.max(0, ...terms.map((t, i) => (t.includes('...') ? operands[i]!.dims.length - t.replace('...', '').length : 0)));
  const labels = terms.map((t, i) => expandTerm(context, t, operands[i]!.dims.length, ellipsisRank));
  const extent = new Map<string, number>();
  labels.forEach((list, i) =>
    list.forEach((label, axis) => {
      const d = operands[i]!.dims[axis]!;
      const known = extent.get(label);
      if (known !== undefined && known !== d && known !== 1 && d !== 1) {
        throw evaluateError(context, `label '${label}' has different extents`, { found: `${known} and ${d}` });
      }
      extent.set(label, Math.max(known ?? d, d === 1 && known !== undefined ? known : d));
    }),
  );
  let outLabels: string[];
  if (rhs !== undefined) outLabels = expandTerm(context, rhs, undefined, ellipsisRank);
  else {
    // Implicit output: broadcast axes, then the letters used exactly once, alphabetically.
    const all = labels.flat();
    const digits = [...new Set(all.filter((l) => /\d/.test(l)))].sort();
    outLabels = [...digits, ...[...new Set(all.filter((l) => /[a-zA-Z]/.test(l)))].filter((l) => all.filter((m) => m === l).length === 1).sort()];
  }
  const summed = [...extent.keys()].filter((l) => !outLabels.includes(l));
  const loopLabels = [...outLabels, ...summed];
  const loopDims = loopLabels.map((l) => extent.get(l)!);
  // Per operand, the stride each loop label moves by (summed over repeats, 0 where broadcast).
  const strides = operands.map((t, i) => {
    const own = stridesOf(t.dims);
    return loopLabels.map((label) => labels[i]!.reduce((s, l, axis) => (l === label && t.dims[axis] !== 1 ? s + own[axis]! : s), 0));
  });
  const values = operands.map((t) => toNumbers(t));
  const outDims = outLabels.map((l) => extent.get(l)!);
  const outSize = sizeOf(outDims);
  const inner = sizeOf(loopDims.slice(outLabels.length));
  const out = new Float64Array(outSize);
  const index = new Array<number>(loopLabels.length).fill(0);
  const offsets = new Array<number>(operands.length).fill(0);
  // Summed labels are the fastest loop axes, so `inner` consecutive steps add into one output.
  for (let step = 0; step < outSize * inner; step++) {
    let product = 1;
    for (let i = 0; i < operands.length; i++) product *= values[i]![offsets[i]!]!;
    const o = Math.floor(step / inner);
    out[o] = out[o]! + product;
    for (let a = loopLabels.length - 1; a >= 0; a--) {
      index[a]!++;
      for (let i = 0; i < operands.length; i++) offsets[i] = offsets[i]! + strides[i]![a]!;
      if (index[a]! < loopDims[a]!) break;
      for (let i = 0; i < operands.length; i++) offsets[i] = offsets[i]! - strides[i]![a]! * loopDims[a]!;
      index[a] = 0;
    }
  }
  return fromNumbers(operands[0]!.type, outDims, out);
}

export const op = defineOp('Einsum', 12, (inputs, attributes, context) => {
  const operands = inputs.map((_, i) => requireInput(context, inputs, i));
  for (const t of operands) expectType(context, t, NUMERIC_TYPES);
  const equation = stringAttr(attributes, 'equation');
  if (equation === undefined) throw evaluateError(context, "attribute 'equation' is required");
  return [einsum(context, equation, operands)];
});

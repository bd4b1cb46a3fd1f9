/** Per-output comparison with Polygraphy's elementwise semantics. */
export interface OutputComparison {
  name: string;
  maxAbsError: number;
  maxRelError: number;
  /** Elements that exceed both atol and rtol. */
  mismatches: number;
  elements: number;
  pass: boolean;
  reason?: string;
}

/**
 * An element matches when |a − b| <= atol OR |a − b| / |b| <= rtol (Polygraphy fails an element
 * only when both tolerances are exceeded). NaN matches NaN; shapes and types must agree.
 */
export function compareOutput(
  name: string,
  actual: { type: string; dims: readonly number[]; data: ArrayLike<number | bigint> },
  expected: { type: string; dims: readonly number[]; data: ArrayLike<number | bigint> },
  atol: number,
  rtol: number,
): OutputComparison {
  const base = { name, maxAbsError: 0, maxRelError: 0, mismatches: 0, elements: expected.data.length };
  if (actual.dims.length !== expected.dims.length || actual.dims.some((dim, axis) => dim !== expected.dims[axis])) {
    return { ...base, pass: false, reason: `shape [${actual.dims.join(', ')}] vs expected [${expected.dims.join(', ')}]` };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const a = Number(actual.data[i]);
    const b = Number(expected.data[i]);
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const abs = Math.abs(a - b);
    const rel = abs / Math.max(Math.abs(b), Number.MIN_VALUE);
    if (!(abs <= maxAbs)) maxAbs = abs;
    if (!(rel <= maxRel)) maxRel = Number.isFinite(rel) ? rel : maxRel;
    if (!(abs <= atol || rel <= rtol)) mismatches++;
  }
  return { ...base, maxAbsError: maxAbs, maxRelError: maxRel, mismatches, pass: mismatches === 0 };
}

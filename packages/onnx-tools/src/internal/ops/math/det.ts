// Det: the determinant of each square matrix in the last two axes (LU with partial pivoting).
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

function determinant(a: Float64Array, n: number): number {
  let det = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[pivot * n + col]!)) pivot = r;
    if (a[pivot * n + col] === 0) return 0;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c]!, a[col * n + c]!];
      det = -det;
    }
    const p = a[col * n + col]!;
    det *= p;
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col]! / p;
      for (let c = col; c < n; c++) a[r * n + c] = a[r * n + c]! - f * a[col * n + c]!;
    }
  }
  return det;
}

export const op = defineOp('Det', 11, (inputs, _attributes, context) => {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, FLOAT_TYPES);
  const n = x.dims[x.dims.length - 1]!;
  if (x.dims.length < 2 || x.dims[x.dims.length - 2] !== n) throw evaluateError(context, 'input must be square in its last two axes', { found: `[${x.dims.join(', ')}]` });
  const values = toNumbers(x);
  const outDims = x.dims.slice(0, -2);
  const out = new Float64Array(sizeOf(outDims));
  for (let m = 0; m < out.length; m++) out[m] = determinant(Float64Array.from(values.subarray(m * n * n, (m + 1) * n * n)), n);
  return [fromNumbers(x.type, outDims, out)];
});

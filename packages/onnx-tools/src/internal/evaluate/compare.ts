import type { Tensor } from '../../tensor.js';
import { toNumbers } from '../ops/util/dtype.js';

function asNumbers(tensor: Tensor): ArrayLike<number> {
  if (tensor.type === 'complex64' || tensor.type === 'complex128') return tensor.data as ArrayLike<number>;
  return toNumbers(tensor);
}

/**
 * Compare dtype, then shape, then values (floats within `atol + rtol·|expected|`); returns a
 * message saying where and by how much, or undefined when they match.
 */
export function compareTensors(actual: Tensor | undefined, expected: Tensor, label: string, rtol = 1e-3, atol = 1e-5): string | undefined {
  if (!actual) return `${label}: missing`;
  if (actual.type !== expected.type) return `${label}: dtype ${actual.type}, expected ${expected.type}`;
  if (actual.dims.join(',') !== expected.dims.join(',')) return `${label}: shape [${actual.dims}], expected [${expected.dims}]`;
  if (expected.type === 'string') {
    const a = actual.data as string[];
    const index = (expected.data as string[]).findIndex((s, i) => s !== a[i]);
    return index < 0 ? undefined : `${label}: element ${index} is '${a[index]}', expected '${(expected.data as string[])[index]}'`;
  }
  const isFloat = /float|complex/.test(expected.type);
  const a = asNumbers(actual);
  const e = asNumbers(expected);
  let worst = -1;
  let worstDelta = 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i] as number;
    const y = e[i] as number;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    const delta = Math.abs(x - y);
    if (isFloat && delta <= atol + rtol * Math.abs(y)) continue;
    if (worst < 0 || delta > worstDelta || Number.isNaN(delta)) {
      worst = i;
      worstDelta = delta;
    }
  }
  return worst < 0 ? undefined : `${label}: max|Δ| ${worstDelta} at flat index ${worst} (got ${a[worst]}, expected ${e[worst]}) > atol ${atol} + rtol ${rtol}`;
}

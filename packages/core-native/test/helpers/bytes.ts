// Bit-exact comparison and random data of any dtype, for variant-against-reference tests of the
// data-movement and cast families.
import type { NativeDType } from '../../src/index.js';
import { type Data, allocate } from './harness.js';

export const DTYPES: NativeDType[] = ['float32', 'int32', 'int64', 'bool'];

/** Random elements: any bit pattern for numbers (NaNs included), 0/1 for bool. */
export function randomData(dtype: NativeDType, n: number, random: () => number): Data {
  const out = allocate(dtype, n);
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) (out as Uint8Array)[i] = random() < 0.5 ? 1 : 0;
    return out;
  }
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return out;
}

/** Throws naming the first differing element when a and b differ in any bit. */
export function expectSameBytes(actual: Data, expected: Data, label: string) {
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.length !== e.length) throw new Error(`${label}: ${a.length} bytes != ${e.length}`);
  const word = actual.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      const at = Math.floor(i / word);
      throw new Error(`${label}: element ${at} differs (${String(actual[at])} vs ${String(expected[at])})`);
    }
  }
}

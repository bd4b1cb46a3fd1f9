import { describe, expect, it } from 'vitest';
import { KilnError, flagTable, readFlag } from '../src/index.js';

describe('flags', () => {
  it('parses booleans, enums and integers', () => {
    expect(readFlag('KILN_VERBOSE', {})).toBe(false);
    expect(readFlag('KILN_VERBOSE', { KILN_VERBOSE: 'yes' })).toBe(true);
    expect(readFlag('KILN_MAX_ISA', { KILN_MAX_ISA: 'AVX2' })).toBe('avx2');
    expect(readFlag('KILN_MAX_ISA', {})).toBeUndefined();
    expect(readFlag('KILN_THREADS', { KILN_THREADS: '3' })).toBe(3);
  });

  it('rejects bad values with a coded error that lists what is allowed', () => {
    expect(() => readFlag('KILN_MAX_ISA', { KILN_MAX_ISA: 'sse9' })).toThrowError(/one of scalar, avx2/);
    try {
      readFlag('KILN_THREADS', { KILN_THREADS: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(KilnError.isInstance(error, 'ERR_INVALID_FLAG')).toBe(true);
    }
  });

  it('documents every flag in one table', () => {
    const table = flagTable();
    for (const name of ['KILN_VERBOSE', 'KILN_MAX_ISA', 'KILN_THREADS', 'KILN_NATIVE_PATH']) expect(table).toContain(name);
  });
});

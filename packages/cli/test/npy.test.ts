import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../src/internal/npy.js';
import { formatSummary, percentile, summarize } from '../src/internal/summary.js';

describe('.npy files', () => {
  it('round-trips every type with the header padded to 64 bytes', () => {
    const cases = [
      { type: 'float32', dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) },
      { type: 'int64', dims: [3], data: new BigInt64Array([1n, -2n, 3n]) },
      { type: 'bool', dims: [2, 1], data: new Uint8Array([1, 0]) },
      { type: 'float64', dims: [], data: new Float64Array([Math.PI]) },
    ] as const;
    for (const tensor of cases) {
      const bytes = encodeNpy({ ...tensor, dims: [...tensor.dims] });
      const headerLength = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLength) % 64).toBe(0);
      const back = decodeNpy(bytes);
      expect(back.type).toBe(tensor.type);
      expect(back.dims).toEqual(tensor.dims);
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(tensor.data as ArrayLike<unknown>));
    }
  });

  it('reads a file written by numpy (hand-made version 1.0 header)', () => {
    const header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
    const padded = header + ' '.repeat(128 - 10 - header.length - 1) + '\n';
    const bytes = new Uint8Array(10 + padded.length + 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
    new DataView(bytes.buffer).setUint16(8, padded.length, true);
    bytes.set(new TextEncoder().encode(padded), 10);
    new DataView(bytes.buffer).setInt32(10 + padded.length, 7, true);
    new DataView(bytes.buffer).setInt32(14 + padded.length, -9, true);
    expect(Array.from(decodeNpy(bytes).data as Int32Array)).toEqual([7, -9]);
  });

  it('rejects garbage, truncation and Fortran order with ERR_NPY', () => {
    const good = encodeNpy({ type: 'float32', dims: [4], data: new Float32Array(4) });
    const fortran = new TextDecoder().decode(good).replace("'fortran_order': False", "'fortran_order': True ");
    for (const bad of [new Uint8Array([1, 2, 3]), good.subarray(0, good.length - 1), new TextEncoder().encode(fortran)]) {
      expect(() => decodeNpy(bad)).toThrow(KilnError);
    }
  });
});

describe('performance summary', () => {
  it('computes trtexec-style figures', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    const summary = summarize([3, 1, 2, 4], 10, [90, 99]);
    expect(summary.throughput).toBe(400);
    expect(summary.latency.min).toBe(1);
    expect(summary.latency.max).toBe(4);
    expect(summary.latency.median).toBe(2.5);
    expect(summary.latency.percentiles['90']).toBeCloseTo(3.7);
    expect(formatSummary(summary)).toMatch(/Throughput: 400\.0000 qps[\s\S]*percentile\(90%\)/);
  });
});

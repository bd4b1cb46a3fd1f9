// The sub-byte and low-precision element types: bit-exact packing in load/save, and the
// conversion rules of float4 E2M1, float8 E8M0 and the float8 formats.
import { fromBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { loadTensor, saveTensor, type Tensor } from '../src/index.js';
import { encodeFloat4, decodeFloat4 } from '../src/internal/ops/util/float4.js';
import { encodeFloat8 } from '../src/internal/ops/util/float8.js';
import { decodeFloat8E8M0, encodeFloat8E8M0 } from '../src/internal/ops/util/float8e8m0.js';
import { TensorProtoSchema } from '../src/internal/proto/onnx_pb.js';

function rawOf(tensor: Tensor): number[] {
  return Array.from(fromBinary(TensorProtoSchema, saveTensor(tensor)).rawData);
}

describe('packed storage', () => {
  it('packs int2 four per byte, low bits first, and reads it back', () => {
    const tensor: Tensor = { type: 'int2', dims: [5], data: Int8Array.of(-2, -1, 0, 1, -2) };
    // -2 = 0b10, -1 = 0b11, 0, 1 = 0b01 -> 0b01_00_11_10; then -2 in the low bits of a second byte.
    expect(rawOf(tensor)).toEqual([0b01001110, 0b10]);
    expect(loadTensor(saveTensor(tensor))).toEqual(tensor);
  });

  it('packs uint2, float4e2m1 and int4 with odd element counts', () => {
    const cases: Tensor[] = [
      { type: 'uint2', dims: [3, 3], data: Uint8Array.of(0, 1, 2, 3, 3, 2, 1, 0, 3) },
      { type: 'float4e2m1', dims: [7], data: Uint8Array.of(0x0, 0x1, 0x7, 0x8, 0xf, 0x9, 0x3) },
      { type: 'int4', dims: [3], data: Int8Array.of(-8, 7, -1) },
    ];
    expect(rawOf(cases[0]!)).toEqual([0b11100100, 0b00011011, 0b11]);
    expect(rawOf(cases[1]!)).toEqual([0x10, 0x87, 0x9f, 0x3]);
    for (const tensor of cases) expect(loadTensor(saveTensor(tensor))).toEqual(tensor);
  });

  it('stores float8e8m0 one code per byte', () => {
    const tensor: Tensor = { type: 'float8e8m0', dims: [4], data: Uint8Array.of(0, 127, 128, 0xff) };
    expect(rawOf(tensor)).toEqual([0, 127, 128, 0xff]);
    expect(loadTensor(saveTensor(tensor))).toEqual(tensor);
  });
});

describe('float4 E2M1', () => {
  it('decodes every code', () => {
    expect(Array.from(decodeFloat4(Uint8Array.from({ length: 16 }, (_, i) => i)))).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6]);
  });

  it('rounds to nearest even and saturates', () => {
    const values = [0.25, 0.26, 0.75, 1.25, 1.75, 2.5, 3.5, 5, 5.01, 1e6, Infinity, -Infinity, -2.6];
    expect(Array.from(decodeFloat4(encodeFloat4(values)))).toEqual([0, 0.5, 1, 1, 2, 2, 4, 4, 6, 6, 6, -6, -3]);
    // No NaN or negative-zero special cases beyond the sign bit: -0 and NaN both give code 0x8.
    expect(Array.from(encodeFloat4([-0, NaN, 0]))).toEqual([0x8, 0x8, 0x0]);
  });
});

describe('float8 E8M0', () => {
  const codes = (values: number[], saturate: boolean, mode: 'up' | 'down' | 'nearest') => Array.from(encodeFloat8E8M0(values, saturate, mode));

  it('rounds to a power of two up, down or to nearest', () => {
    // 3 = 1.5 * 2^1 (a tie: nearest goes up), 2.5 = 1.25 * 2^1, 4 exactly, 0.75 = 1.5 * 2^-1.
    expect(codes([3, 2.5, 4, 0.75], true, 'up')).toEqual([129, 129, 129, 127]);
    expect(codes([3, 2.5, 4, 0.75], true, 'down')).toEqual([128, 128, 129, 126]);
    expect(codes([3, 2.5, 4, 0.75], true, 'nearest')).toEqual([129, 128, 129, 127]);
  });

  it('ignores the sign, maps NaN and infinity to 0xff and saturates at 2^127', () => {
    expect(codes([-4, NaN, Infinity], true, 'up')).toEqual([129, 0xff, 0xff]);
    expect(codes([3 * 2 ** 126], true, 'up')).toEqual([0xfe]);
    expect(codes([3 * 2 ** 126], false, 'up')).toEqual([0xff]);
    expect(Array.from(decodeFloat8E8M0(Uint8Array.of(127, 130, 0xff)))).toEqual([1, 8, NaN]);
  });
});

describe('float8 overflow', () => {
  it('E4M3FN: ties at the top round to 448, beyond becomes NaN keeping the sign unless saturating', () => {
    expect(Array.from(encodeFloat8([464, 465, -480, -Infinity], 'float8e4m3fn', false))).toEqual([0x7e, 0x7f, 0xff, 0xff]);
    expect(Array.from(encodeFloat8([464, 465, -480, -Infinity], 'float8e4m3fn', true))).toEqual([0x7e, 0x7e, 0xfe, 0xfe]);
  });

  it('E5M2: beyond the range becomes infinity unless saturating; FNUZ formats have one NaN', () => {
    expect(Array.from(encodeFloat8([61440, -Infinity], 'float8e5m2', false))).toEqual([0x7c, 0xfc]);
    expect(Array.from(encodeFloat8([61440, -Infinity], 'float8e5m2', true))).toEqual([0x7b, 0xfb]);
    expect(Array.from(encodeFloat8([-1e9, NaN], 'float8e5m2fnuz', false))).toEqual([0x80, 0x80]);
    expect(Array.from(encodeFloat8([NaN], 'float8e5m2', true))).toEqual([0x7e]);
  });
});

// x-compare, f32_isnan / f32_isinf, x-logical, x-where, x_expand and x_tile: every fast variant
// against the scalar reference over size and broadcast sweeps, and the scalar reference against JS.
import { describe, expect, it } from 'vitest';
import { BROADCASTS, broadcastIndex, count, sweep } from '../helpers/broadcast.js';
import { type Data, allIsas, randomFloats, rng, runLayer } from '../helpers/harness.js';

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  equal: (a, b) => a === b,
  less: (a, b) => a < b,
  less_equal: (a, b) => a <= b,
  greater: (a, b) => a > b,
  greater_equal: (a, b) => a >= b,
};
const LOGICAL: Record<string, (a: boolean, b: boolean) => boolean> = { and: (a, b) => a && b, or: (a, b) => a || b, xor: (a, b) => a !== b };
type DType = 'float32' | 'int32' | 'int64' | 'bool';

/** Values with many ties (small integers) and, for floats, NaN and infinities. */
function values(dtype: DType, n: number, random: () => number): Data {
  const pick = () => Math.floor(random() * 7) - 3;
  if (dtype === 'int32') return Int32Array.from({ length: n }, pick);
  if (dtype === 'int64') return BigInt64Array.from({ length: n }, () => BigInt(pick()) * 3_000_000_000n);
  if (dtype === 'bool') return Uint8Array.from({ length: n }, () => (random() < 0.5 ? 0 : random() < 0.5 ? 1 : 7));
  return Float32Array.from({ length: n }, () => {
    const r = random();
    return r < 0.05 ? Number.NaN : r < 0.08 ? Number.POSITIVE_INFINITY : r < 0.11 ? Number.NEGATIVE_INFINITY : r < 0.6 ? pick() : (r - 0.6) * 10;
  });
}
const asNumber = (v: number | bigint) => Number(v);
const bytes = (data: Data) => Array.from(data as Uint8Array);

function isas(family: string) {
  return [{ isa: 'scalar', runnable: true }, ...allIsas(family)];
}

describe.each(isas('x_compare_equal'))('x_compare_* __$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable).each(Object.keys(COMPARE))('%s over dtypes, sizes and broadcasts', (op) => {
    const random = rng();
    for (const dtype of ['float32', 'int32', 'int64', 'bool'] as const) {
      for (const [sa, sb, sy] of sweep) {
        const a = values(dtype, count(sa), random);
        const b = values(dtype, count(sb), random);
        const run = (v: string) =>
          runLayer({ kernel: `x_compare_${op}__${v}`, inputs: [{ data: a, shape: sa }, { data: b, shape: sb }], output: { dtype: 'bool', shape: sy } }) as Uint8Array;
        const got = run(isa);
        const label = `x_compare_${op} ${isa} ${dtype} ${JSON.stringify([sa, sb])}`;
        if (isa !== 'scalar') expect(bytes(got), label).toEqual(Array.from(run('scalar')));
        else {
          const expected = Array.from({ length: count(sy) }, (_, i) => {
            const x = asNumber(a[broadcastIndex(i, sa, sy)]!);
            const y = asNumber(b[broadcastIndex(i, sb, sy)]!);
            return COMPARE[op]!(x, y) ? 1 : 0;
          });
          expect(bytes(got), label).toEqual(expected);
        }
      }
    }
  });
});

describe.each(isas('f32_isnan'))('f32_isnan / f32_isinf __$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable)('classify NaN and infinities over sizes', () => {
    const random = rng();
    for (const [shape] of sweep) {
      const x = values('float32', count(shape), random) as Float32Array;
      const nan = runLayer({ kernel: `f32_isnan__${isa}`, inputs: [{ data: x, shape }], output: { dtype: 'bool', shape } });
      expect(bytes(nan)).toEqual(Array.from(x, (v) => (Number.isNaN(v) ? 1 : 0)));
      for (const [negative, positive] of [[1, 1], [1, 0], [0, 1], [0, 0]]) {
        const inf = runLayer({ kernel: `f32_isinf__${isa}`, inputs: [{ data: x, shape }], output: { dtype: 'bool', shape }, params: [negative!, positive!] });
        const expected = Array.from(x, (v) => ((v === Number.POSITIVE_INFINITY && positive) || (v === Number.NEGATIVE_INFINITY && negative) ? 1 : 0));
        expect(bytes(inf), `isinf ${negative},${positive} n=${x.length}`).toEqual(expected);
      }
    }
  });
});

describe.each(isas('x_logical_and'))('x_logical_* __$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable).each(Object.keys(LOGICAL))('%s over sizes and broadcasts', (op) => {
    const random = rng();
    for (const [sa, sb, sy] of sweep) {
      const a = values('bool', count(sa), random);
      const b = values('bool', count(sb), random);
      const got = runLayer({ kernel: `x_logical_${op}__${isa}`, inputs: [{ data: a, shape: sa }, { data: b, shape: sb }], output: { dtype: 'bool', shape: sy } });
      const expected = Array.from({ length: count(sy) }, (_, i) => (LOGICAL[op]!(a[broadcastIndex(i, sa, sy)] !== 0, b[broadcastIndex(i, sb, sy)] !== 0) ? 1 : 0));
      expect(bytes(got), `x_logical_${op} ${isa} ${JSON.stringify([sa, sb])}`).toEqual(expected);
    }
  });

  it.skipIf(!runnable)('not over sizes', () => {
    const random = rng();
    for (const [shape] of sweep) {
      const x = values('bool', count(shape), random);
      const got = runLayer({ kernel: `x_logical_not__${isa}`, inputs: [{ data: x, shape }], output: { dtype: 'bool', shape } });
      expect(bytes(got)).toEqual(Array.from(x as Uint8Array, (v) => (v === 0 ? 1 : 0)));
    }
  });
});

describe.each(isas('x_where'))('x_where__$isa', ({ isa, runnable }) => {
  const THREE: Array<[number[], number[], number[], number[]]> = [
    ...sweep.map(([a, b, y]): [number[], number[], number[], number[]] => [a, b, a, y]),
    ...BROADCASTS.map(([a, b, y]): [number[], number[], number[], number[]] => [b, a, y, y]),
    [[4, 1], [1], [1, 9], [4, 9]],
    [[1], [37], [1], [37]],
  ];
  it.skipIf(!runnable).each(['float32', 'int32', 'int64', 'bool'] as const)('%s over sizes and three-way broadcasts', (dtype) => {
    const random = rng();
    for (const [sc, sx, sy, so] of THREE) {
      const cond = values('bool', count(sc), random);
      const x = values(dtype, count(sx), random);
      const y = values(dtype, count(sy), random);
      const got = runLayer({ kernel: `x_where__${isa}`, inputs: [{ data: cond, shape: sc }, { data: x, shape: sx }, { data: y, shape: sy }], output: { dtype, shape: so } });
      const expected = Array.from({ length: count(so) }, (_, i) => (cond[broadcastIndex(i, sc, so)] !== 0 ? x[broadcastIndex(i, sx, so)] : y[broadcastIndex(i, sy, so)]));
      expect(Array.from(got as ArrayLike<number>), `x_where ${isa} ${dtype} ${JSON.stringify([sc, sx, sy])}`).toEqual(expected);
    }
  });
});

describe('x_expand and x_tile', () => {
  it.each([
    [[3, 1], [3, 4]],
    [[1], [2, 3, 5]],
    [[2, 1, 4], [3, 2, 5, 4]],
    [[7], [7]],
    [[1, 17, 1], [2, 17, 33]],
    [[5, 1, 1], [5, 1, 9]],
  ])('x_expand %j -> %j for float32 and int64', (shape, outShape) => {
    const random = rng();
    const x = randomFloats(count(shape), random);
    const y = runLayer({ kernel: 'x_expand', inputs: [{ data: x, shape }], output: { shape: outShape } });
    expect(Array.from(y as Float32Array)).toEqual(Array.from({ length: count(outShape) }, (_, i) => x[broadcastIndex(i, shape, outShape)]));
    const xi = BigInt64Array.from(x, (v) => BigInt(Math.round(v * 1000)));
    const yi = runLayer({ kernel: 'x_expand', inputs: [{ data: xi, shape }], output: { dtype: 'int64', shape: outShape } });
    expect(Array.from(yi as BigInt64Array)).toEqual(Array.from({ length: count(outShape) }, (_, i) => xi[broadcastIndex(i, shape, outShape)]));
  });

  it.each([
    [[3, 4], [2, 3]],
    [[5], [4]],
    [[2, 3, 4], [1, 2, 1]],
    [[1, 1], [3, 2]],
    [[2, 1, 3], [2, 5, 2]],
  ])('x_tile %j repeats %j', (shape, repeats) => {
    const random = rng();
    const outShape = shape.map((d, i) => d * repeats[i]!);
    const x = randomFloats(count(shape), random);
    const y = runLayer({ kernel: 'x_tile', inputs: [{ data: x, shape }], output: { shape: outShape } }) as Float32Array;
    const expected = Array.from({ length: count(outShape) }, (_, i) => {
      let rest = i;
      let index = 0;
      let stride = 1;
      for (let d = outShape.length - 1; d >= 0; d--) {
        index += ((rest % outShape[d]!) % shape[d]!) * stride;
        rest = Math.floor(rest / outShape[d]!);
        stride *= shape[d]!;
      }
      return x[index];
    });
    expect(Array.from(y)).toEqual(expected);
  });

  it('malformed layers are coded errors', () => {
    const x = new Float32Array(6);
    expect(() => runLayer({ kernel: 'x_expand', inputs: [{ data: x, shape: [2, 3] }], output: { shape: [4, 3] } })).toThrow(/broadcast/);
    expect(() => runLayer({ kernel: 'x_tile', inputs: [{ data: x, shape: [2, 3] }], output: { shape: [3, 3] } })).toThrow(/multiples/);
    expect(() => runLayer({ kernel: 'x_where', inputs: [{ data: new Uint8Array(2), shape: [2] }, { data: x, shape: [2, 3] }, { data: x, shape: [2, 3] }], output: { shape: [2, 3] } })).toThrow(/broadcast/);
    expect(() => runLayer({ kernel: 'x_compare_less', inputs: [{ data: x, shape: [2, 3] }, { data: new Int32Array(6), shape: [2, 3] }], output: { dtype: 'bool', shape: [2, 3] } })).toThrow(/one dtype/);
    expect(() => runLayer({ kernel: 'f32_isinf', inputs: [{ data: x, shape: [6] }], output: { dtype: 'bool', shape: [6] }, params: [2, 0] })).toThrow(/0 or 1/);
    expect(() => runLayer({ kernel: 'x_logical_and', inputs: [{ data: x, shape: [6] }, { data: x, shape: [6] }], output: { dtype: 'bool', shape: [6] } })).toThrow(/dtype/);
  });
});

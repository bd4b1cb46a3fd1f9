/**
 * Property tests (fast-check) for broadcasting, MatMul, Reshape and the symbolic dim algebra.
 * fast-check prints the seed and path of a failure; rerun with `{ seed, path }` in fc.assert.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { broadcastShapes } from '../src/internal/shapes/dims.js';
import type { ShapeContext } from '../src/internal/shapes/index.js';
import * as S from '../src/internal/shapes/symbolic.js';
import { apply, t } from './shapes-harness.js';

function context(): ShapeContext {
  let fresh = 0;
  return {
    opType: 'Add',
    domain: '',
    nodeName: 'p',
    opset: 21,
    outputCount: 1,
    hasInput: () => true,
    constantInput: () => undefined,
    valueInput: () => undefined,
    freshDim: () => `unk__${fresh++}`,
    warn: () => {},
  };
}

/** Brute force: the output index set is the set of index pairs that both operands can read. */
function bruteForceBroadcast(a: number[], b: number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const pa = [...Array(rank - a.length).fill(1), ...a];
  const pb = [...Array(rank - b.length).fill(1), ...b];
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = pa[i] as number;
    const y = pb[i] as number;
    // Every output index k must map to a valid index in each operand (k, or 0 when extent 1).
    const candidates = [x, y].filter((d) => d !== 1);
    if (candidates.length === 2 && x !== y) return undefined;
    out.push(candidates[0] ?? 1);
  }
  return out;
}

const shape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 5 });
/** Shapes that broadcast often: each dim is 1 or a shared extent. */
const pair = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 5 }), fc.array(fc.boolean(), { maxLength: 5 }), fc.array(fc.boolean(), { maxLength: 5 }), fc.nat())
  .map(([base, onesA, onesB, drop]): [number[], number[]] => [
    base.map((d, i) => (onesA[i] ? 1 : d)).slice(drop % (base.length + 1)),
    base.map((d, i) => (onesB[i] ? 1 : d)),
  ]);

describe('broadcasting properties', () => {
  test('matches the brute-force definition on random concrete shapes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(shape, shape), pair), ([a, b]) => {
        const expected = bruteForceBroadcast(a, b);
        if (expected === undefined) expect(() => broadcastShapes([a, b], context())).toThrow();
        else expect(broadcastShapes([a, b], context())).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  test('is commutative, also with symbolic dims', () => {
    const dim = fc.oneof(fc.constantFrom(1, 2, 3), fc.constantFrom('N', 'S'));
    fc.assert(
      fc.property(fc.array(dim, { maxLength: 4 }), fc.array(dim, { maxLength: 4 }), (a, b) => {
        let ab: unknown;
        let ba: unknown;
        try {
          ab = broadcastShapes([a, b], context());
        } catch {
          ab = 'error';
        }
        try {
          ba = broadcastShapes([b, a], context());
        } catch {
          ba = 'error';
        }
        expect(ab).toEqual(ba);
      }),
      { numRuns: 300 },
    );
  });

  test('Add with a concrete instantiation of symbols agrees with concrete inference', () => {
    fc.assert(
      fc.property(pair, fc.integer({ min: 0, max: 4 }), ([a, b], at) => {
        const sym = a.map((d, i) => (i === at && d !== 1 ? 'N' : d));
        const symB = b.map((d, i) => (i - (b.length - a.length) === at && d !== 1 && a[at] === d ? 'N' : d));
        const concrete = apply('Add', [t('float32', a), t('float32', b)])[0]?.dims;
        const symbolic = apply('Add', [t('float32', sym), t('float32', symB)])[0]?.dims;
        const n = a[at];
        expect(symbolic?.map((d) => (d === 'N' ? n : d))).toEqual(concrete);
      }),
      { numRuns: 300 },
    );
  });
});

describe('MatMul and Reshape properties', () => {
  test('MatMul output matches the definition on random batched shapes', () => {
    fc.assert(
      fc.property(pair, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), ([ba, bb], m, k, n) => {
        const out = apply('MatMul', [t('float32', [...ba, m, k]), t('float32', [...bb, k, n])])[0]?.dims;
        expect(out).toEqual([...(bruteForceBroadcast(ba, bb) as number[]), m, n]);
      }),
      { numRuns: 300 },
    );
  });

  test('Reshape with -1 preserves the element count', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.nat(), (dims, cut) => {
        const total = dims.reduce((a, b) => a * b, 1);
        const split = cut % dims.length;
        const head = dims.slice(0, split).reduce((a, b) => a * b, 1);
        const out = apply('Reshape', [t('float32', dims), t('int64', [2], [head, -1])])[0]?.dims;
        expect(out).toEqual([head, total / head]);
      }),
    );
  });
});

describe('symbolic dim algebra', () => {
  const atom = fc.constantFrom('N', 'S', 'H');
  const poly = fc.letrec<{ expr: S.Poly }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer({ min: 0, max: 9 }).map(S.constant),
      atom.map(S.atom),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => S.add(a, b)),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => S.multiply(a, b)),
      fc.tuple(tie('expr'), fc.integer({ min: 1, max: 4 })).map(([a, k]) => S.floorDiv(a, S.constant(k))),
    ),
  })).expr;

  test('printing and parsing round-trip', () => {
    fc.assert(
      fc.property(poly, (p) => {
        const text = S.printPoly(p);
        expect(S.printPoly(S.toPoly(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  test('arithmetic agrees with numbers after substitution', () => {
    const env = { N: 3, S: 5, H: 7 } as Record<string, number>;
    const evaluate = (text: string): number =>
      // The printed grammar is +, -, *, /, parentheses, floor(), identifiers and integers.
      Function('floor', 'N', 'S', 'H', `return ${text};`)(Math.floor, env.N, env.S, env.H);
    fc.assert(
      fc.property(poly, poly, (a, b) => {
        const sum = evaluate(S.printPoly(S.add(a, b)));
        const product = evaluate(S.printPoly(S.multiply(a, b)));
        expect(sum).toBeCloseTo(evaluate(S.printPoly(a)) + evaluate(S.printPoly(b)));
        expect(product).toBeCloseTo(evaluate(S.printPoly(a)) * evaluate(S.printPoly(b)));
      }),
      { numRuns: 200 },
    );
  });

  test('exact division undoes multiplication', () => {
    fc.assert(
      fc.property(poly, fc.oneof(atom.map(S.atom), fc.integer({ min: 1, max: 5 }).map(S.constant)), (a, b) => {
        const q = S.divideExact(S.multiply(a, b), b);
        expect(q === undefined ? undefined : S.printPoly(q)).toBe(S.printPoly(a));
      }),
    );
  });
});

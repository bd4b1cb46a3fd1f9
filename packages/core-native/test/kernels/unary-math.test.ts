// The f32_vunary scalar reference for the math ops added after the first release, against JS
// (the fast variants are checked against this reference in vector-variants.test.ts), including
// the edges: halves for Round, signed zeros and NaN for Sign, large magnitudes for Softplus.
import { describe, expect, it } from 'vitest';
import type { NativeUnaryStep } from '../../src/index.js';
import { expectClose, randomFloats, rng, runLayer } from '../helpers/harness.js';

const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const CASES: Array<{ step: NativeUnaryStep; f: (v: number) => number; lo?: number; hi?: number }> = [
  { step: { op: 'Floor' }, f: Math.floor },
  { step: { op: 'Ceil' }, f: Math.ceil },
  { step: { op: 'Round' }, f: roundHalfEven },
  { step: { op: 'Sign' }, f: Math.sign },
  { step: { op: 'Sin' }, f: Math.sin, lo: -100, hi: 100 },
  { step: { op: 'Cos' }, f: Math.cos, lo: -100, hi: 100 },
  { step: { op: 'Softplus' }, f: softplus, lo: -100, hi: 100 },
  { step: { op: 'Softsign' }, f: (v) => v / (1 + Math.abs(v)) },
  { step: { op: 'Elu' }, f: (v) => (v < 0 ? Math.expm1(v) : v) },
  { step: { op: 'Elu', alpha: 2 }, f: (v) => (v < 0 ? 2 * Math.expm1(v) : v) },
  { step: { op: 'Selu' }, f: (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v)) },
  { step: { op: 'Mish' }, f: (v) => v * Math.tanh(softplus(v)), lo: -30, hi: 30 },
  { step: { op: 'ThresholdedRelu' }, f: (v) => (v > 1 ? v : 0) },
  { step: { op: 'ThresholdedRelu', alpha: -0.5 }, f: (v) => (v > -0.5 ? v : 0) },
];

describe('f32_vunary math ops (scalar reference vs JS)', () => {
  it.each(CASES)('$step.op $step.alpha', ({ step, f, lo, hi }) => {
    const random = rng();
    const x = randomFloats(997, random, lo ?? -8, hi ?? 8);
    x.set([0, -0, 0.5, 1.5, 2.5, -0.5, -2.5, 1, -1, Number.NaN]);
    const y = runLayer({ kernel: 'f32_vunary__scalar', inputs: [{ data: x, shape: [x.length] }], output: { shape: [x.length] }, epilogue: [step] }) as Float32Array;
    expectClose(y, Float32Array.from(x, f), `${step.op} scalar`, 1e-6, 1e-5);
  });

  it('Round is half-to-even and Sign keeps NaN in every variant', () => {
    const x = new Float32Array([0.5, 1.5, 2.5, -0.5, -1.5, Number.NaN, -3, 0]);
    for (const isa of ['scalar', 'avx2', 'avx512']) {
      let round: Float32Array;
      try {
        round = runLayer({ kernel: `f32_vunary__${isa}`, inputs: [{ data: x, shape: [8] }], output: { shape: [8] }, epilogue: [{ op: 'Round' }] }) as Float32Array;
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_KERNEL_UNAVAILABLE') continue;
        throw error;
      }
      expect(Array.from(round).slice(0, 5)).toEqual([0, 2, 2, -0, -2]);
      const sign = runLayer({ kernel: `f32_vunary__${isa}`, inputs: [{ data: x, shape: [8] }], output: { shape: [8] }, epilogue: [{ op: 'Sign' }] }) as Float32Array;
      expect(Array.from(sign)).toEqual([1, 1, 1, -1, -1, Number.NaN, -1, 0]);
    }
  });
});

import { KilnError } from '@kiln/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePlan, encodePlan } from '../src/internal/plan/format.js';
import { checkHardware, checkHeaderBase, checkVersions } from '../src/internal/plan/header.js';

const header = {
  kilnVersion: '0.1.0',
  target: { isa: 'avx2', features: ['avx2', 'fma'] },
  weights: [
    { name: 'w0', offset: 0, byteLength: 12 },
    { name: 'w1', offset: 64, byteLength: 8 },
  ],
};

function samplePlan(): Uint8Array {
  const weights = new Uint8Array(72);
  weights.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0);
  weights.set([21, 22, 23, 24, 25, 26, 27, 28], 64);
  return encodePlan(header, weights);
}

/** Load as the runtime does: decode, version check, structural check. */
function load(bytes: Uint8Array) {
  const parts = decodePlan(bytes);
  checkVersions(parts.formatVersion, parts.header, '0.1.0');
  return { ...parts, header: checkHeaderBase(parts.header, parts.weights.length) };
}

describe('plan format', () => {
  it('round-trips header and weights, weights 64-byte aligned in the file', () => {
    const bytes = samplePlan();
    const plan = load(bytes);
    expect(plan.header).toEqual(header);
    expect(Array.from(plan.weights.subarray(64, 72))).toEqual([21, 22, 23, 24, 25, 26, 27, 28]);
    expect(plan.weights.byteOffset % 64).toBe(0);
  });

  it('refuses another Kiln version with ERR_PLAN_VERSION and says what to do', () => {
    const other = encodePlan({ ...header, kilnVersion: '9.9.9' }, new Uint8Array(72));
    expect(() => load(other)).toThrowError(/Kiln 0\.1\.0[\s\S]*Kiln 9\.9\.9[\s\S]*Rebuild/);
    try {
      load(other);
    } catch (error) {
      expect(KilnError.isInstance(error, 'ERR_PLAN_VERSION')).toBe(true);
    }
  });

  it('refuses a plan needing CPU features this machine lacks with ERR_PLAN_HARDWARE', () => {
    expect(() => checkHardware(header.target, { avx2: true, fma: false })).toThrowError(/missing fma/);
    expect(() => checkHardware(header.target, { avx2: true, fma: true })).not.toThrow();
  });

  it('rejects weights that run past the weight section', () => {
    const bad = encodePlan({ ...header, weights: [{ name: 'w', offset: 64, byteLength: 4096 }] }, new Uint8Array(72));
    expect(() => load(bad)).toThrowError(/runs past the weight section/);
  });

  it('every truncation is ERR_PLAN_CORRUPT', () => {
    const bytes = samplePlan();
    for (let length = 0; length < bytes.length; length++) {
      expectCoded(() => load(bytes.subarray(0, length)), 'ERR_PLAN_CORRUPT');
    }
  });

  it('random byte mutations never escape as uncoded errors (fuzz)', () => {
    const bytes = samplePlan();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const mutated = bytes.slice();
        for (const [at, value] of edits) mutated[at] = value;
        try {
          load(mutated);
        } catch (error) {
          expect(KilnError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 2000, seed: 20261121 },
    );
  });
});

describe('plan header validation', () => {
  it('any well-checksummed but malformed header is a coded error, never a crash (fuzz)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(256), (value, weightBytes) => {
        try {
          load(encodePlan(value, new Uint8Array(weightBytes)));
        } catch (error) {
          expect(KilnError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

function expectCoded(action: () => unknown, code: string): void {
  try {
    action();
  } catch (error) {
    if (KilnError.isInstance(error, code)) return;
    throw new Error(`expected ${code}, got ${String(error)}`);
  }
  throw new Error(`expected ${code}, got no error`);
}

// Resize reference op: properties of antialiased resampling that hold for any correct filter,
// and coded errors for attribute values Resize does not define.
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '../src/internal/attribute.js';
import type { OpContext } from '../src/internal/ops/contract.js';
import { findOp } from '../src/internal/ops/registry.js';
import type { Tensor } from '../src/tensor.js';

const context: OpContext = { opType: 'Resize', nodeName: 'resize', opset: 19, outputCount: 1, runGraph: () => [] };
const resize = findOp('', 'Resize', 19)!;

function attributes(entries: Record<string, string | number>): Map<string, AttributeValue> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? { type: 'string', value: v } : { type: 'int', value: v }] as const));
}

async function run(x: Tensor, scales: number[], entries: Record<string, string | number>): Promise<number[]> {
  const scaleTensor: Tensor = { type: 'float32', dims: [scales.length], data: Float32Array.from(scales) };
  const [y] = await resize.run([x, undefined, scaleTensor], attributes(entries), context);
  return Array.from(y!.data as Float32Array);
}

const ramp: Tensor = { type: 'float32', dims: [1, 1, 1, 24], data: Float32Array.from({ length: 24 }, (_, i) => 2 * i + 1) };

describe('Resize antialias', () => {
  for (const mode of ['linear', 'cubic']) {
    it(`${mode}: downsampling a ramp keeps the ramp away from the borders (symmetric, normalised filter)`, async () => {
      const y = await run(ramp, [1, 1, 1, 0.25], { mode, antialias: 1 });
      // half_pixel: output i samples input coordinate (i + 0.5) * 4 - 0.5, where the ramp is 2c + 1.
      for (let i = 2; i < 4; i++) expect(y[i]).toBeCloseTo(2 * ((i + 0.5) * 4 - 0.5) + 1, 4);
    });

    it(`${mode}: upsampling is unaffected by antialias`, async () => {
      const plain = await run(ramp, [1, 1, 1, 1.5], { mode });
      const antialiased = await run(ramp, [1, 1, 1, 1.5], { mode, antialias: 1 });
      antialiased.forEach((v, i) => expect(v).toBeCloseTo(plain[i]!, 4));
    });
  }

  it('averages a constant to the same constant, borders included', async () => {
    const flat: Tensor = { type: 'float32', dims: [1, 1, 5, 7], data: new Float32Array(35).fill(3) };
    for (const mode of ['linear', 'cubic']) {
      const y = await run(flat, [1, 1, 0.4, 0.6], { mode, antialias: 1, exclude_outside: 1 });
      for (const v of y) expect(v).toBeCloseTo(3, 5);
    }
  });
});

describe('Resize errors', () => {
  it.each([
    ['mode', 'bilinear'],
    ['coordinate_transformation_mode', 'centre'],
    ['nearest_mode', 'up'],
  ])('rejects %s=%s with ERR_EVALUATE naming the attribute', async (name, value) => {
    const error = await Promise.resolve()
      .then(() => run(ramp, [1, 1, 1, 0.5], { [name]: value }))
      .catch((e: unknown) => e);
    expect(KilnError.isInstance(error) && error.code).toBe('ERR_EVALUATE');
    expect(String((error as Error).message)).toContain(name);
  });

  it('rejects a scales input with the wrong length', async () => {
    const error = await Promise.resolve().then(() => run(ramp, [1, 0.5], {})).catch((e: unknown) => e);
    expect(KilnError.isInstance(error) && error.code).toBe('ERR_EVALUATE');
  });
});

// Reference ops added with the node-test push: properties the node tests do not pin down
// (einsum's implicit output and broadcasting) and the coded errors bad input gets.
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '../src/internal/attribute.js';
import type { OpContext } from '../src/internal/ops/contract.js';
import { findOp } from '../src/internal/ops/registry.js';
import type { Tensor } from '../src/tensor.js';

function run(opType: string, opset: number, inputs: (Tensor | undefined)[], attributes: Record<string, AttributeValue> = {}, domain = '') {
  const registration = findOp(domain, opType, opset);
  if (!registration) throw new Error(`no ${opType}`);
  const context: OpContext = { opType, nodeName: 'n', opset, outputCount: 1, runGraph: () => [] };
  return Promise.resolve().then(() => registration.run(inputs, new Map(Object.entries(attributes)), context));
}

const f32 = (dims: number[], values: number[]): Tensor => ({ type: 'float32', dims, data: Float32Array.from(values) });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  return KilnError.isInstance(error) ? error.code : `not a KilnError: ${String(error)}`;
}

describe('Einsum', () => {
  it('sums the letters used once into an alphabetical implicit output', async () => {
    // 'ij,jk' (no '->') is 'ij,jk->ik': a matrix product.
    const [y] = await run('Einsum', 12, [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3, 1], [1, 10, 100])], { equation: { type: 'string', value: 'ij,jk' } });
    expect(y?.dims).toEqual([2, 1]);
    expect(Array.from(y!.data as Float32Array)).toEqual([321, 654]);
  });

  it('broadcasts ellipsis axes and reads repeated letters as a diagonal', async () => {
    const x = f32([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const [trace] = await run('Einsum', 12, [x], { equation: { type: 'string', value: '...ii->...' } });
    expect(Array.from(trace!.data as Float32Array)).toEqual([5, 13]);
    const [scaled] = await run('Einsum', 12, [x, f32([2], [1, -1])], { equation: { type: 'string', value: '...j,j->...j' } });
    expect(Array.from(scaled!.data as Float32Array)).toEqual([1, -2, 3, -4, 5, -6, 7, -8]);
  });
});

describe('Dropout in training mode', () => {
  it('keeps about 1 - ratio of the elements, scaled by 1 / (1 - ratio), the same way every run', async () => {
    const x = f32([1000], new Array(1000).fill(3));
    const ratio = f32([], [0.75]);
    const training: Tensor = { type: 'bool', dims: [], data: Uint8Array.of(1) };
    const [y, mask] = await run('Dropout', 13, [x, ratio, training], { seed: { type: 'int', value: 5 } });
    const kept = Array.from(mask!.data as Uint8Array).filter(Boolean).length;
    expect(kept).toBeGreaterThan(200);
    expect(kept).toBeLessThan(300);
    expect(new Set(Array.from(y!.data as Float32Array))).toEqual(new Set([0, 12]));
    const [again] = await run('Dropout', 13, [x, ratio, training], { seed: { type: 'int', value: 5 } });
    expect(again!.data).toEqual(y!.data);
  });
});

describe('coded errors', () => {
  it('Attention refuses heads that do not fit', async () => {
    const q = f32([1, 3, 2, 4], new Array(24).fill(0));
    const k = f32([1, 2, 2, 4], new Array(16).fill(0));
    expect(await codeOf(run('Attention', 23, [q, k, k]))).toBe('ERR_EVALUATE');
  });

  it('BitCast refuses types of different widths', async () => {
    expect(await codeOf(run('BitCast', 26, [f32([2], [1, 2])], { to: { type: 'int', value: 7 } }))).toBe('ERR_EVALUATE');
  });

  it('ImageDecoder refuses formats it cannot decode and truncated files', async () => {
    const webp: Tensor = { type: 'uint8', dims: [4], data: Uint8Array.of(0x52, 0x49, 0x46, 0x46) };
    expect(await codeOf(run('ImageDecoder', 20, [webp]))).toBe('ERR_EVALUATE');
    const jpeg: Tensor = { type: 'uint8', dims: [4], data: Uint8Array.of(0xff, 0xd8, 0xff, 0xe0) };
    expect(await codeOf(run('ImageDecoder', 20, [jpeg]))).toBe('ERR_EVALUATE');
    const png: Tensor = { type: 'uint8', dims: [12], data: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13) };
    expect(await codeOf(run('ImageDecoder', 20, [png]))).toBe('ERR_EVALUATE');
  });

  it('NegativeLogLikelihoodLoss refuses a class index out of range', async () => {
    const target: Tensor = { type: 'int64', dims: [1], data: BigInt64Array.of(5n) };
    expect(await codeOf(run('NegativeLogLikelihoodLoss', 13, [f32([1, 3], [0, 0, 0]), target]))).toBe('ERR_EVALUATE');
  });

  it('LinearAttention refuses an unknown update rule', async () => {
    const x = f32([1, 1, 4], [1, 2, 3, 4]);
    const attributes: Record<string, AttributeValue> = {
      q_num_heads: { type: 'int', value: 1 }, kv_num_heads: { type: 'int', value: 1 }, update_rule: { type: 'string', value: 'mamba' },
    };
    expect(await codeOf(run('LinearAttention', 27, [x, x, x], attributes))).toBe('ERR_EVALUATE');
  });
});

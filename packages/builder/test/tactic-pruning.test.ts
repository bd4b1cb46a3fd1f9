import { describe, expect, it } from 'vitest';
import { slowCandidates } from '../src/internal/tactics/select.js';

describe('tactic timing stops timing candidates that cannot win', () => {
  const best = new Map([
    ['f32_gemm_14x32__avx512', 1.0],
    ['f32_gemm_8x48__avx512', 1.9],
    ['f32_gemm_6x16__avx2', 3.5],
    ['f32_gemm_4x4__scalar', 12],
  ]);

  it('drops only candidates over 4x the fastest after the first round', () => {
    expect(slowCandidates(best, 0)).toEqual(['f32_gemm_4x4__scalar']);
  });

  it('drops candidates over 2x the fastest after later rounds', () => {
    expect(slowCandidates(best, 1)).toEqual(['f32_gemm_6x16__avx2', 'f32_gemm_4x4__scalar']);
    expect(slowCandidates(best, 3)).toEqual(['f32_gemm_6x16__avx2', 'f32_gemm_4x4__scalar']);
  });

  it('keeps every candidate within the factor, ties and the fastest included', () => {
    expect(slowCandidates(new Map([['a', 2], ['b', 2], ['c', 4]]), 1)).toEqual([]);
    expect(slowCandidates(new Map([['only', 5]]), 0)).toEqual([]);
  });
});

import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { compileDim, dimSymbols } from '../src/internal/shapes/dim-expr.js';

const bind = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('dimension expressions', () => {
  it('evaluates integer arithmetic with floor division and precedence', () => {
    expect(compileDim('N*3+1')(bind({ N: 4 }))).toBe(13);
    expect(compileDim('(S-1)/2+1')(bind({ S: 224 }))).toBe(112);
    expect(compileDim('-7/2')(bind({}))).toBe(-4);
    expect(compileDim('7%3')(bind({}))).toBe(1);
    expect(compileDim('max(N, 2)*min(S,8)')(bind({ N: 1, S: 100 }))).toBe(16);
    expect(compileDim(' batch_size * seq.len ')(bind({ batch_size: 2, 'seq.len': 5 }))).toBe(10);
    expect(compileDim(42)(bind({}))).toBe(42);
  });

  it('lists the symbols an expression needs', () => {
    expect(dimSymbols('max(N, S)*N+2')).toEqual(['N', 'S']);
    expect(dimSymbols(3)).toEqual([]);
  });

  it('rejects malformed expressions and unbound symbols with coded errors', () => {
    for (const bad of ['N*', '(N', 'N)', '3 $ 4', '', '1.5']) {
      expect(() => compileDim(bad)).toThrow(KilnError);
    }
    expect(() => compileDim('N*2')(bind({}))).toThrowError(/needs the value of "N"/);
  });
});

import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { compileDim, dimSymbols } from '../src/internal/shapes/dim-expr.js';

const bind = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('dimension expressions', () => {
  it('evaluates integer arithmetic with floor division and precedence', () => {
    expect(compileDim('N*3+1')(bind({ N: 4 }))).toBe(13);
    expect(compileDim('floor((S-1)/2)+1')(bind({ S: 224 }))).toBe(112);
    expect(compileDim('ceil(S/4)')(bind({ S: 9 }))).toBe(3);
    expect(compileDim('mod(S, 4)')(bind({ S: 9 }))).toBe(1);
    expect(compileDim('3*N/2')(bind({ N: 4 }))).toBe(6);
    expect(compileDim('-7/2')(bind({}))).toBe(-4);
    expect(compileDim('2*[batch size]')(bind({ '[batch size]': 3 }))).toBe(6);
    expect(compileDim('7%3')(bind({}))).toBe(1);
    expect(compileDim('max(N, 2)*min(S,8)')(bind({ N: 1, S: 100 }))).toBe(16);
    expect(compileDim(' batch_size * seq.len ')(bind({ batch_size: 2, 'seq.len': 5 }))).toBe(10);
    expect(compileDim(42)(bind({}))).toBe(42);
  });

  it('lists the symbols an expression needs', () => {
    expect(dimSymbols('max(N, S)*N+2')).toEqual(['N', 'S']);
    expect(dimSymbols('floor([batch size]/2)')).toEqual(['[batch size]']);
    expect(dimSymbols(3)).toEqual([]);
  });

  it('rejects malformed expressions and unbound symbols with coded errors', () => {
    for (const bad of ['N*', '(N', 'N)', '3 $ 4', '', '1.5']) {
      expect(() => compileDim(bad)).toThrow(KilnError);
    }
    expect(() => compileDim('N*2')(bind({}))).toThrowError(/needs the value of "N"/);
  });
});

// Test helper: a call that must fail with a coded KilnError.
import { KilnError } from '@kiln/common';
import { expect } from 'vitest';

/** Expects `fn` to throw a KilnError whose code is `codes` (or one of them); returns that error. */
export function expectCoded(fn: () => unknown, codes: string | readonly string[]): KilnError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(KilnError.isInstance(caught), `expected a KilnError, got ${String(caught)}`).toBe(true);
  expect(typeof codes === 'string' ? [codes] : codes).toContain((caught as KilnError).code);
  return caught as KilnError;
}

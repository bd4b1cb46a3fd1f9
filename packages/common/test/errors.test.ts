import { describe, expect, it } from 'vitest';
import { KilnError } from '../src/index.js';

describe('KilnError', () => {
  it('carries code, details and cause and formats them into the message', () => {
    const cause = new Error('inner');
    const error = new KilnError('ERR_PLAN_VERSION', 'Plan was written by another Kiln.', {
      expected: '0.1.0',
      found: '0.2.0',
      hint: 'Rebuild the plan.',
      cause,
    });
    expect(error.code).toBe('ERR_PLAN_VERSION');
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('expected: 0.1.0');
    expect(error.message).toContain('found: 0.2.0');
    expect(error.message).toContain('what to do: Rebuild the plan.');
    expect(error).toBeInstanceOf(Error);
  });

  it('isInstance recognises errors from another copy of the class (duplicate installs)', () => {
    // A second copy of the package defines its own class but marks instances the same way.
    const foreign = Object.assign(new Error('x'), { code: 'ERR_X', [Symbol.for('kiln.error')]: true });
    expect(KilnError.isInstance(foreign)).toBe(true);
    expect(KilnError.isInstance(foreign, 'ERR_X')).toBe(true);
    expect(KilnError.isInstance(foreign, 'ERR_Y')).toBe(false);
    expect(KilnError.isInstance(new Error('plain'))).toBe(false);
    expect(KilnError.isInstance(null)).toBe(false);
    expect(KilnError.isInstance(new KilnError('ERR_Z', 'z'), 'ERR_Z')).toBe(true);
  });
});

import { KilnError } from '@kiln/common';

/** A plan that is truncated, tampered with or not a plan at all. */
export function corrupt(what: string, expected: string, found: string): KilnError {
  return new KilnError('ERR_PLAN_CORRUPT', `The plan file is corrupt: ${what}.`, {
    expected,
    found,
    hint: 'The file was truncated or modified after it was built. Rebuild it with `kiln build` (or buildEngine) and copy it again.',
  });
}

import { KilnError } from '@kiln/common';

interface NativeErrorShape {
  kilnNative?: boolean;
  code?: string;
  message: string;
  expected?: string;
  found?: string;
  where?: string;
  hint?: string;
}

/**
 * Rewraps a coded error thrown by the native addon as a KilnError, whose stack is where this is
 * called (in an async function after an await, V8 adds the awaiting callers as `async` frames).
 */
export function fromNative(error: unknown): unknown {
  const e = error as NativeErrorShape;
  if (typeof e !== 'object' || e === null || e.kilnNative !== true || typeof e.code !== 'string') return error;
  return new KilnError(e.code, e.message, { expected: e.expected, found: e.found, where: e.where, hint: e.hint });
}

/** Calls `fn`, converting native coded errors into KilnErrors. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fromNative(error);
  }
}

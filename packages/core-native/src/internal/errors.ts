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
 * Rewraps a coded error thrown by the native addon as a KilnError. `trace`, captured before a
 * job was queued, makes the stack point at the caller instead of the event loop.
 */
export function fromNative(error: unknown, trace?: Error): unknown {
  const e = error as NativeErrorShape;
  if (typeof e !== 'object' || e === null || e.kilnNative !== true || typeof e.code !== 'string') return error;
  const wrapped = new KilnError(e.code, e.message, {
    expected: e.expected,
    found: e.found,
    where: e.where,
    hint: e.hint,
  });
  if (trace?.stack !== undefined) {
    wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${trace.stack.split('\n').slice(1).join('\n')}`;
  }
  return wrapped;
}

/** Calls `fn`, converting native coded errors into KilnErrors. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fromNative(error);
  }
}

/**
 * A marker shared by every copy of `@kiln/common` in a process. `Symbol.for` keys live in the
 * global symbol registry, so an error thrown by one install of Kiln is still recognised by
 * `KilnError.isInstance` in another (two versions in one `node_modules`, or CJS next to ESM).
 */
const MARKER = Symbol.for('kiln.error');

/** What a {@link KilnError} can say about itself beyond its message. */
export interface KilnErrorDetails {
  /** What Kiln expected, e.g. `"float32"` or `"a plan written by Kiln 0.1.0"`. */
  expected?: string;
  /** What it found instead. */
  found?: string;
  /** Where: a node name, tensor name, file path or field. */
  where?: string;
  /** What the user should do about it. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The base of every error Kiln throws on purpose. Each has a stable `code` (`ERR_…`) that
 * programs can branch on; the message says what was expected, what was found, where, and what
 * to do.
 *
 * @example
 * ```ts
 * import { KilnError } from '@kiln/common';
 *
 * try {
 *   await runtime.deserializeEngine(bytes);
 * } catch (error) {
 *   if (KilnError.isInstance(error) && error.code === 'ERR_PLAN_VERSION') {
 *     console.error('rebuild the plan:', error.hint);
 *   }
 * }
 * ```
 */
export class KilnError extends Error {
  /** Stable machine-readable code such as `ERR_UNSUPPORTED_OP`. */
  readonly code: string;
  readonly expected: string | undefined;
  readonly found: string | undefined;
  readonly where: string | undefined;
  readonly hint: string | undefined;
  /** The cross-install marker read by {@link KilnError.isInstance}. */
  readonly [MARKER] = true;

  constructor(code: string, message: string, details: KilnErrorDetails = {}) {
    super(KilnError.format(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'KilnError';
    this.code = code;
    this.expected = details.expected;
    this.found = details.found;
    this.where = details.where;
    this.hint = details.hint;
  }

  /**
   * True when `value` is a KilnError from any copy of Kiln loaded in this process, optionally
   * with the given code.
   *
   * @example
   * ```ts
   * if (KilnError.isInstance(error, 'ERR_PLAN_CORRUPT')) rebuild();
   * ```
   */
  static isInstance(value: unknown, code?: string): value is KilnError {
    if (typeof value !== 'object' || value === null) return false;
    if ((value as Record<symbol, unknown>)[MARKER] !== true) return false;
    return code === undefined || (value as KilnError).code === code;
  }

  private static format(message: string, details: KilnErrorDetails): string {
    const parts = [message];
    if (details.where !== undefined) parts.push(`at: ${details.where}`);
    if (details.expected !== undefined) parts.push(`expected: ${details.expected}`);
    if (details.found !== undefined) parts.push(`found: ${details.found}`);
    if (details.hint !== undefined) parts.push(`what to do: ${details.hint}`);
    return parts.join('\n  ');
  }
}

const warned = new Set<string>();

/** What {@link deprecate} needs to say about a deprecated API. */
export interface DeprecationNotice {
  /** Stable warning code, e.g. `KILN_DEP_0001`. Each code warns once per process. */
  code: string;
  /** The deprecated symbol, e.g. `Engine.getBindingName`. */
  symbol: string;
  /** The version it was deprecated in and the date, as in the `@deprecated` tag. */
  since: string;
  /** What to use instead. */
  replacement: string;
}

/**
 * Emit a `DeprecationWarning` for a deprecated API, once per process per code, through
 * `process.emitWarning` (so `--no-deprecation` and `--throw-deprecation` work as usual).
 * Every deprecated function calls this one helper.
 *
 * @example
 * ```ts
 * // The function's JSDoc carries: at-deprecated since 0.3.0 (2026-12-01); use `getTensorName` instead.
 * export function getBindingName(index: number): string {
 *   deprecate({ code: 'KILN_DEP_0001', symbol: 'getBindingName', since: '0.3.0 (2026-12-01)', replacement: 'getTensorName' });
 *   return getTensorName(index);
 * }
 * ```
 */
export function deprecate(notice: DeprecationNotice): void {
  if (warned.has(notice.code)) return;
  warned.add(notice.code);
  process.emitWarning(
    `${notice.symbol} is deprecated since ${notice.since} and will be removed in a major release at least 12 months later; use ${notice.replacement} instead.`,
    'DeprecationWarning',
    notice.code,
  );
}

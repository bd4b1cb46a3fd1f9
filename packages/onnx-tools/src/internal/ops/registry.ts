// The op table: every reference op, looked up by domain, op type and opset.
import { ALL_OPS } from './all-ops.js';
import type { OpRegistration } from './contract.js';

const table = new Map<string, OpRegistration[]>();
let builtinsLoaded = false;

function keyOf(domain: string, opType: string): string {
  return `${domain === 'ai.onnx' ? '' : domain}::${opType}`;
}

function add(registration: OpRegistration): void {
  const key = keyOf(registration.domain, registration.opType);
  const list = table.get(key) ?? [];
  list.push(registration);
  list.sort((x, y) => y.sinceVersion - x.sinceVersion);
  table.set(key, list);
}

function ensureBuiltins(): void {
  if (builtinsLoaded) return;
  builtinsLoaded = true;
  for (const registration of ALL_OPS) add(registration);
}

/**
 * Adds op implementations (e.g. a custom-domain op). A registration with the same domain, op
 * type and sinceVersion as an existing one takes precedence over it.
 *
 * @example
 * ```ts
 * register({ opType: 'MyRelu', domain: 'com.example', sinceVersion: 1, untilVersion: Infinity, run: ([x]) => [x] });
 * ```
 */
export function register(...registrations: OpRegistration[]): void {
  ensureBuiltins();
  for (const registration of registrations) {
    const key = keyOf(registration.domain, registration.opType);
    const list = (table.get(key) ?? []).filter((r) => r.sinceVersion !== registration.sinceVersion);
    table.set(key, list);
    add(registration);
  }
}

/**
 * The implementation of `opType` in `domain` ('' or 'ai.onnx' for the default domain) for the
 * given opset version of that domain, or undefined when none covers it.
 *
 * @example
 * ```ts
 * const relu = findOp('', 'Relu', 17);
 * const [y] = await relu!.run([x], new Map(), context);
 * ```
 */
export function findOp(domain: string, opType: string, opset: number): OpRegistration | undefined {
  ensureBuiltins();
  const list = table.get(keyOf(domain, opType));
  if (!list) return undefined;
  return list.find((r) => r.sinceVersion <= opset && opset <= r.untilVersion);
}

/** Every registered implementation, sorted by domain, op type and sinceVersion. */
export function listOps(): OpRegistration[] {
  ensureBuiltins();
  return [...table.values()]
    .flat()
    .sort((x, y) => x.domain.localeCompare(y.domain) || x.opType.localeCompare(y.opType) || x.sinceVersion - y.sinceVersion);
}

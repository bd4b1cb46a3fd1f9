import type { OpFunction, OpRegistration } from '../contract.js';

/** One registration for the default (ai.onnx) domain covering opsets [since, until]. */
export function defineOp(opType: string, sinceVersion: number, run: OpFunction, untilVersion = Infinity, domain = ''): OpRegistration {
  return { opType, domain, sinceVersion, untilVersion, run };
}

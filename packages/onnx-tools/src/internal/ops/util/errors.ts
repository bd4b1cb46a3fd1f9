import { KilnError } from '@kiln/common';
import type { TensorType } from '../../../tensor.js';
import type { OpContext } from '../contract.js';

function where(context: OpContext): string {
  return `node '${context.nodeName}' (${context.opType}, opset ${context.opset})`;
}

/** An ERR_EVALUATE error naming the node and op. */
export function evaluateError(context: OpContext, message: string, details: { expected?: string; found?: string; hint?: string } = {}): KilnError {
  return new KilnError('ERR_EVALUATE', `${context.opType}: ${message}`, { ...details, where: where(context) });
}

/** An ERR_UNSUPPORTED_DTYPE error saying what was found and what is supported. */
export function unsupportedDtype(context: OpContext, found: TensorType, supported: readonly TensorType[], what = 'input'): KilnError {
  return new KilnError('ERR_UNSUPPORTED_DTYPE', `${context.opType}: unsupported ${what} element type`, {
    where: where(context),
    expected: supported.join(', '),
    found,
    hint: 'cast the tensor to a supported type, or evaluate this node with a runtime that supports it',
  });
}

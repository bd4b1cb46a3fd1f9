import type { Value } from '@kiln/onnx-tools';

/**
 * Tensors a pass gave a new shape (and name) that hold the same values as an original tensor:
 * lift-1d's 4-D forms of 1-D tensors. Lookups by tensor name (calibration scales) follow them back.
 */
const originals = new WeakMap<Value, Value>();

/** Record that `reshaped` holds the values of `original`. */
export function markSameData(reshaped: Value, original: Value): void {
  originals.set(reshaped, originals.get(original) ?? original);
}

/** The original tensor whose values `value` holds (itself when none was recorded). */
export function originalOf(value: Value): Value {
  return originals.get(value) ?? value;
}

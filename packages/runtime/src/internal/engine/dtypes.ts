import { KilnError } from '@kiln/common';

type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** Typed array per tensor type (onnxruntime's names). */
export const TYPED_ARRAYS: Record<string, TypedArrayConstructor> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

/** Types the native executor moves (others run in reference layers only). */
export const NATIVE_DTYPES = new Set(['float32', 'int64', 'int32', 'bool']);

/**
 * A typed array for an output the native executor writes whole. From 4 KiB on its memory comes
 * uninitialized (Buffer.allocUnsafeSlow: malloc, no zero fill). A zero-filled one of 64 KiB and
 * more is fresh pages from the kernel (calloc), each faulted in when the output is written, which
 * cost about 0.35 ms per run for a 4.8 MB output; malloc hands back the pages of outputs the GC has
 * freed. Below that the zero fill alone costs: 16 KiB took 6.8 us zeroed against 2.5 us (Node 20,
 * Zen 4), bert_mini's 32 KiB output at sequence 32 about 1% of its run. Under 4 KiB both cost the same.
 */
export function allocate(dtype: string, elements: number): ArrayBufferView & { length: number } {
  const make = TYPED_ARRAYS[dtype];
  if (!make) {
    throw new KilnError('ERR_UNSUPPORTED_DTYPE', `Kiln cannot hold tensors of type ${dtype} here.`, {
      expected: Object.keys(TYPED_ARRAYS).join(', '),
      found: dtype,
      hint: 'Rebuild the plan; if the model needs this type, report it.',
    });
  }
  const bytes = elements * make.BYTES_PER_ELEMENT;
  if (bytes < UNINITIALIZED_FROM) return new make(elements);
  return new make(Buffer.allocUnsafeSlow(bytes).buffer, 0, elements);
}

const UNINITIALIZED_FROM = 1 << 12;

export function elementCount(dims: readonly number[]): number {
  let count = 1;
  for (const dim of dims) count *= dim;
  return count;
}

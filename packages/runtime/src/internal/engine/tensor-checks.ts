import { KilnError } from '@kiln/common';
import type { Tensor } from '@kiln/onnx-tools';
import type { PlanIo } from '../plan/schema.js';
import { TYPED_ARRAYS, elementCount } from './dtypes.js';

/** Check one feed against the engine's input before any native work: type, data kind, length. */
export function checkFeed(io: PlanIo, feed: unknown): Tensor {
  const where = `input "${io.name}"`;
  if (typeof feed !== 'object' || feed === null || !('type' in feed) || !('dims' in feed) || !('data' in feed)) {
    throw new KilnError('ERR_INPUT', `Feed for ${where} is not a tensor.`, {
      expected: '{ type, dims, data } (an onnxruntime-style tensor)',
      found: typeof feed,
      hint: `Pass { type: '${io.dtype}', dims: [...], data: new ${TYPED_ARRAYS[io.dtype]?.name ?? 'TypedArray'}(...) }.`,
    });
  }
  const tensor = feed as Tensor;
  if (tensor.type !== io.dtype) {
    throw new KilnError('ERR_INPUT_DTYPE', `Feed for ${where} has the wrong element type.`, {
      expected: io.dtype,
      found: String(tensor.type),
      hint: `Convert the data to ${io.dtype} before running.`,
    });
  }
  const dims = Array.from(tensor.dims as ArrayLike<number>, Number);
  const make = TYPED_ARRAYS[io.dtype];
  if (make && !(tensor.data instanceof make)) {
    throw new KilnError('ERR_INPUT_DTYPE', `Feed for ${where} holds its data in the wrong array type.`, {
      expected: make.name,
      found: (tensor.data as object)?.constructor?.name ?? typeof tensor.data,
      hint: `Wrap the values in a ${make.name}.`,
    });
  }
  const count = elementCount(dims);
  if ((tensor.data as { length: number }).length !== count) {
    throw new KilnError('ERR_INPUT_SHAPE', `Feed for ${where} has ${(tensor.data as { length: number }).length} elements but dims [${dims.join(', ')}] need ${count}.`, {
      expected: `${count} elements`,
      found: `${(tensor.data as { length: number }).length}`,
      hint: 'Make dims match the data length.',
    });
  }
  return { type: tensor.type, dims, data: tensor.data } as Tensor;
}

/** Unknown feed names are an error, not silently ignored. */
export function checkFeedNames(names: readonly string[], inputs: readonly PlanIo[]): void {
  const known = new Set(inputs.map((io) => io.name));
  for (const name of names) {
    if (!known.has(name)) {
      throw new KilnError('ERR_INPUT', `"${name}" is not an input of this engine.`, {
        expected: [...known].join(', '),
        found: name,
        hint: 'Use engine.inputs to list the input names.',
      });
    }
  }
}

// Small int64 tensors (shapes, indices) from plain numbers.
import type { Tensor } from '../../../tensor.js';
import { makeTensor } from './dtype.js';

export function int64Tensor(dims: readonly number[], values: readonly number[]): Tensor {
  return makeTensor('int64', dims, BigInt64Array.from(values, (v) => BigInt(v)));
}

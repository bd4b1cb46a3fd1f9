// JS references for broadcasting kernels: numpy broadcasting index maps and shape sweeps.
import { count } from './harness.js';

/** Flat index into `shape` of output element `i` of `outShape` under numpy broadcasting. */
export function broadcastIndex(i: number, shape: number[], outShape: number[]): number {
  let index = 0;
  let stride = 1;
  let rest = i;
  for (let d = outShape.length - 1; d >= 0; d--) {
    const coordinate = rest % outShape[d]!;
    rest = Math.floor(rest / outShape[d]!);
    const k = d - (outShape.length - shape.length);
    if (k >= 0) {
      if (shape[k]! !== 1) index += coordinate * stride;
      stride *= shape[k]!;
    }
  }
  return index;
}

/** Broadcast shape sweeps: equal shapes over sizes below/at/above/multiples of 8 and 16 lanes, then mixed broadcasts. */
export const SIZES = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 65, 97, 127, 128, 129, 255, 257, 1000, 4097, 20011];
export const BROADCASTS: Array<[number[], number[], number[]]> = [
  [[5, 7], [5, 7], [5, 7]],
  [[3, 17], [17], [3, 17]],
  [[3, 17], [3, 1], [3, 17]],
  [[1, 33], [9, 1], [9, 33]],
  [[2, 3, 1, 5], [4, 1], [2, 3, 4, 5]],
  [[], [6, 31], [6, 31]],
  [[6, 31], [], [6, 31]],
  [[2, 1, 65], [1, 4, 65], [2, 4, 65]],
  [[1], [1], [1]],
  [[2, 1, 3, 1, 7], [1, 5, 3, 4, 1], [2, 5, 3, 4, 7]],
];
export const sweep: Array<[number[], number[], number[]]> = [...SIZES.map((n): [number[], number[], number[]] => [[n], [n], [n]]), ...BROADCASTS];

export { count };

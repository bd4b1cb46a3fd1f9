// ReduceLogSumExp: log(sum(e^x)) over the reduced axes, shifted by the maximum for stability.
import { reduceOp } from '../util/reduce.js';

function accumulate(values: ArrayLike<number>, map: Int32Array, acc: Float64Array): void {
  const max = new Float64Array(acc.length).fill(-Infinity);
  for (let i = 0; i < values.length; i++) if (values[i]! > max[map[i]!]!) max[map[i]!] = values[i]!;
  for (let i = 0; i < values.length; i++) acc[map[i]!] = acc[map[i]!]! + Math.exp(values[i]! - max[map[i]!]!);
  for (let o = 0; o < acc.length; o++) acc[o] = Number.isFinite(max[o]!) ? Math.log(acc[o]!) + max[o]! : Math.log(acc[o]!);
}

export const op = reduceOp('ReduceLogSumExp', 18, { init: 0, step: (a, v) => a + Math.exp(v), finish: (a) => Math.log(a), accumulate });

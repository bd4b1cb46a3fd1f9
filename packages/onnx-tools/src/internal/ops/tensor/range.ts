// Range: start, start + delta, ... up to (not including) limit.
import type { Tensor } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

function range(context: OpContext, start: Tensor, limit: Tensor, delta: Tensor): Tensor {
  const [s, l, d] = [toNumbers(start)[0]!, toNumbers(limit)[0]!, toNumbers(delta)[0]!];
  const count = Math.max(Math.ceil((l - s) / d), 0);
  if (!Number.isFinite(count)) throw evaluateError(context, 'Range has no finite length', { found: `start ${s}, limit ${l}, delta ${d}` });
  const values = new Float64Array(count);
  if (start.type === 'float32') {
    // Accumulate in float32 as the spec's reference loop does.
    const acc = new Float32Array(1);
    acc[0] = s;
    for (let i = 0; i < count; i++, acc[0] = acc[0]! + d) values[i] = acc[0]!;
  } else for (let i = 0; i < count; i++) values[i] = s + i * d;
  return fromNumbers(start.type, [count], values);
}

export const op = defineOp('Range', 11, (inputs, _attributes, context) => [
  range(context, requireInput(context, inputs, 0), requireInput(context, inputs, 1), requireInput(context, inputs, 2)),
]);

// TensorScatter (opset 24): write `update` into a copy of the cache `past_cache` along `axis`
// (default -2, the sequence axis) starting at write_indices[b] per batch entry (default 0);
// mode 'circular' wraps positions around the cache length.
import { intAttr, readInts, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor, sizeOf } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { normalizeAxis } from '../util/shape.js';

export const op = defineOp('TensorScatter', 24, (inputs, attributes, context) => {
  const cache = requireInput(context, inputs, 0);
  const update = requireInput(context, inputs, 1);
  const rank = cache.dims.length;
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', -2), rank);
  const mode = stringAttr(attributes, 'mode', 'linear');
  if (mode !== 'linear' && mode !== 'circular') throw evaluateError(context, 'unknown mode', { expected: "'linear' or 'circular'", found: mode });
  if (update.type !== cache.type || update.dims.length !== rank || update.dims.some((d, i) => i !== axis && d !== cache.dims[i])) {
    throw evaluateError(context, 'update must match the cache outside the scatter axis', { expected: `${cache.type} [${cache.dims.join(', ')}]`, found: `${update.type} [${update.dims.join(', ')}]` });
  }
  const batch = cache.dims[0]!;
  const starts = inputs[2] ? readInts(inputs[2]) : new Array<number>(batch).fill(0);
  const extent = cache.dims[axis]!;
  const length = update.dims[axis]!;
  const outer = sizeOf(cache.dims.slice(1, axis));
  const inner = sizeOf(cache.dims.slice(axis + 1));
  const out = cache.data.slice() as unknown as unknown[];
  const source = update.data as unknown as unknown[];
  for (let b = 0; b < batch; b++)
    for (let o = 0; o < outer; o++)
      for (let s = 0; s < length; s++) {
        let position = starts[b]! + s;
        if (mode === 'circular') position %= extent;
        if (position < 0 || position >= extent) {
          throw evaluateError(context, 'write position past the cache', { expected: `< ${extent}`, found: String(position) });
        }
        for (let i = 0; i < inner; i++) {
          out[((b * outer + o) * extent + position) * inner + i] = source[((b * outer + o) * length + s) * inner + i];
        }
      }
  return [makeTensor(cache.type, cache.dims, out as never)];
});

// BitCast (opset 26): reinterpret the bytes of each element as the type `to` of the same width.
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, makeTensor, typeFromOnnx } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { elementBits } from '../../ir/dtype.js';

export const op = defineOp('BitCast', 26, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  const code = intAttr(attributes, 'to', 0);
  const to = typeFromOnnx(code);
  if (!to || to === 'string' || x.type === 'string' || elementBits(to) !== elementBits(x.type) || elementBits(to) < 8) {
    throw evaluateError(context, 'BitCast needs two numeric types of the same byte width', { expected: `a ${elementBits(x.type)}-bit type`, found: to ?? `data_type ${code}` });
  }
  const source = x.data as Exclude<typeof x.data, string[]>;
  const out = allocate(to, source.length) as Exclude<typeof x.data, string[]>;
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
  return [makeTensor(to, x.dims, out as never)];
});

// LabelEncoder (ai.onnx.ml): map each element through keys -> values (strings, int64s, floats or
// tensors); elements without a key get the default. Float keys match NaN to NaN.
import type { Tensor, TensorType } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import { floatAttr, floatsAttr, intAttr, intsAttr, requireInput, stringAttr, stringsAttr, tensorAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { allocate, makeTensor } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

type Scalar = string | number | bigint;

/** keys_* or values_* as plain values with their element type. */
function listOf(attributes: Attributes, prefix: 'keys' | 'values'): { type: TensorType; items: Scalar[] } | undefined {
  const tensor = tensorAttr(attributes, `${prefix}_tensor`);
  if (tensor) return { type: tensor.type, items: Array.from(tensor.data as ArrayLike<Scalar>) };
  const strings = stringsAttr(attributes, `${prefix}_strings`);
  if (strings) return { type: 'string', items: strings };
  const ints = intsAttr(attributes, `${prefix}_int64s`);
  if (ints) return { type: 'int64', items: ints.map((v) => BigInt(v)) };
  const floats = floatsAttr(attributes, `${prefix}_floats`);
  if (floats) return { type: 'float32', items: floats.map((v) => Math.fround(v)) };
  return undefined;
}

function defaultFor(attributes: Attributes, type: TensorType): Scalar {
  const tensor = tensorAttr(attributes, 'default_tensor');
  if (tensor) return (tensor.data as ArrayLike<Scalar>)[0]!;
  if (type === 'string') return stringAttr(attributes, 'default_string', '_Unused');
  if (type === 'int64') return BigInt(intAttr(attributes, 'default_int64', -1));
  if (type === 'float32' || type === 'float64') return floatAttr(attributes, 'default_float', -0);
  return 0;
}

/** A map key that tells numbers from bigints from strings and matches NaN with NaN. */
function keyOf(value: Scalar): string {
  return `${typeof value}:${String(value)}`;
}

export const op = defineOp(
  'LabelEncoder',
  1,
  (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    const keys = listOf(attributes, 'keys');
    const values = listOf(attributes, 'values');
    if (!keys || !values || keys.items.length !== values.items.length) {
      throw evaluateError(context, 'keys and values must both be given, with the same length', { found: `${keys?.items.length ?? 'no'} keys, ${values?.items.length ?? 'no'} values` });
    }
    const table = new Map(keys.items.map((k, i) => [keyOf(typeof k === 'number' ? Math.fround(k) : k), values.items[i]!]));
    const fallback = defaultFor(attributes, values.type);
    const source = x.data as ArrayLike<Scalar>;
    const out = allocate(values.type, source.length) as unknown as Scalar[];
    for (let i = 0; i < source.length; i++) {
      const v = source[i]!;
      out[i] = table.get(keyOf(typeof v === 'number' && keys.type === 'float32' ? Math.fround(v) : v)) ?? fallback;
    }
    return [makeTensor(values.type, x.dims, out as unknown as Tensor['data'] as never)];
  },
  Infinity,
  'ai.onnx.ml',
);

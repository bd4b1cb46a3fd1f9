// Constant: the tensor held by one of its value attributes.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, floatsAttr, intAttr, intsAttr, stringAttr, stringsAttr, tensorAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { int64Tensor } from '../util/int64.js';

function constantValue(attributes: Attributes, context: OpContext): Tensor {
  const value = tensorAttr(attributes, 'value');
  if (value) return value;
  const f = floatAttr(attributes, 'value_float');
  if (f !== undefined && attributes.has('value_float')) return makeTensor('float32', [], Float32Array.of(f));
  const fs = floatsAttr(attributes, 'value_floats');
  if (fs) return makeTensor('float32', [fs.length], Float32Array.from(fs));
  const i = intAttr(attributes, 'value_int');
  if (i !== undefined) return int64Tensor([], [i]);
  const is = intsAttr(attributes, 'value_ints');
  if (is) return int64Tensor([is.length], is);
  const s = stringAttr(attributes, 'value_string');
  if (s !== undefined) return makeTensor('string', [], [s]);
  const ss = stringsAttr(attributes, 'value_strings');
  if (ss) return makeTensor('string', [ss.length], [...ss]);
  throw evaluateError(context, 'Constant has no supported value attribute', { expected: 'value, value_float(s), value_int(s) or value_string(s)' });
}

export const op = defineOp('Constant', 1, (_inputs, attributes, context) => [constantValue(attributes, context)]);

// OptionalGetElement: the value of an optional (a plain tensor passes through); empty is an error.
import { defineOp } from '../util/define.js';
import { evaluateError } from '../util/errors.js';

export const op = defineOp('OptionalGetElement', 15, (inputs, _attributes, context) => {
  if (inputs[0] === undefined) throw evaluateError(context, 'the optional input is empty', { expected: 'an optional holding a tensor', found: 'an empty optional' });
  return [inputs[0]];
});

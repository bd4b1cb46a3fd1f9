// RegexFullMatch: true where the whole string matches `pattern` (RE2 syntax; the common subset
// that JavaScript regular expressions share).
import { requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, makeTensor } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

export const op = defineOp('RegexFullMatch', 20, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, ['string']);
  const pattern = stringAttr(attributes, 'pattern');
  if (pattern === undefined) throw evaluateError(context, "attribute 'pattern' is required");
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})$`, 'u');
  } catch (error) {
    throw evaluateError(context, 'pattern is not a valid regular expression', { found: pattern, hint: String((error as Error).message) });
  }
  return [makeTensor('bool', x.dims, Uint8Array.from(x.data as string[], (s) => (regex.test(s) ? 1 : 0)))];
});

// StringNormalizer: drop stopwords (case-insensitively unless is_case_sensitive) from a [C] or
// [1, C] string tensor, then change case; an empty result is one empty string.
import { intAttr, requireInput, stringAttr, stringsAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, makeTensor } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

export const op = defineOp('StringNormalizer', 10, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, ['string']);
  if (x.dims.length > 2 || (x.dims.length === 2 && x.dims[0] !== 1)) throw evaluateError(context, 'input must be [C] or [1, C]', { found: `[${x.dims.join(', ')}]` });
  const caseSensitive = intAttr(attributes, 'is_case_sensitive', 0) === 1;
  const action = stringAttr(attributes, 'case_change_action', 'NONE');
  if (!['NONE', 'LOWER', 'UPPER'].includes(action)) throw evaluateError(context, 'unknown case_change_action', { expected: 'NONE, LOWER, UPPER', found: action });
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const stopwords = new Set((stringsAttr(attributes, 'stopwords') ?? []).map(fold));
  let kept = (x.data as string[]).filter((s) => !stopwords.has(fold(s)));
  if (action === 'LOWER') kept = kept.map((s) => s.toLowerCase());
  if (action === 'UPPER') kept = kept.map((s) => s.toUpperCase());
  if (kept.length === 0) kept = [''];
  return [makeTensor('string', x.dims.length === 2 ? [1, kept.length] : [kept.length], kept)];
});

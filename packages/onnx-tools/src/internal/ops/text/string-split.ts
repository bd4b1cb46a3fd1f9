// StringSplit: split each string by `delimiter` (or by runs of whitespace when none is given),
// at most maxsplit times; Y pads the pieces with '' to [..., most pieces], Z counts them.
import { intAttr, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, makeTensor } from '../util/dtype.js';

/** Python's str.split(delimiter, maxsplit) (whitespace mode when the delimiter is empty). */
function split(text: string, delimiter: string, maxSplits: number): string[] {
  if (delimiter === '') {
    const pieces: string[] = [];
    let rest = text.replace(/^\s+/, '');
    while (rest.length > 0) {
      if (maxSplits >= 0 && pieces.length === maxSplits) {
        pieces.push(rest.replace(/\s+$/, ''));
        break;
      }
      const match = /\s+/.exec(rest);
      if (!match) {
        pieces.push(rest);
        break;
      }
      pieces.push(rest.slice(0, match.index));
      rest = rest.slice(match.index + match[0].length);
    }
    return pieces;
  }
  const pieces = text.split(delimiter);
  if (maxSplits < 0 || pieces.length <= maxSplits + 1) return pieces;
  return [...pieces.slice(0, maxSplits), pieces.slice(maxSplits).join(delimiter)];
}

export const op = defineOp('StringSplit', 20, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, ['string']);
  const delimiter = stringAttr(attributes, 'delimiter', '');
  const maxSplits = intAttr(attributes, 'maxsplit', -1);
  const pieces = (x.data as string[]).map((s) => split(s, delimiter, maxSplits));
  const widest = Math.max(0, ...pieces.map((p) => p.length));
  const y = pieces.flatMap((p) => [...p, ...new Array<string>(widest - p.length).fill('')]);
  return [makeTensor('string', [...x.dims, widest], y), makeTensor('int64', x.dims, BigInt64Array.from(pieces, (p) => BigInt(p.length)))];
});

// TfIdfVectorizer: count the n-grams of the pool (min_gram_length..max_gram_length tokens, taken
// with up to max_skip_count tokens skipped between them) in each row of X; report counts (TF),
// presence times weight (IDF) or counts times weight (TFIDF) at the n-gram's output index.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatsAttr, intAttr, intsAttr, requireInput, stringAttr, stringsAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

function tfIdf(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const minGram = intAttr(attributes, 'min_gram_length', 1);
  const maxGram = intAttr(attributes, 'max_gram_length', 1);
  const maxSkip = intAttr(attributes, 'max_skip_count', 0);
  const mode = stringAttr(attributes, 'mode', 'TF');
  const counts = intsAttr(attributes, 'ngram_counts') ?? [];
  const indexes = intsAttr(attributes, 'ngram_indexes') ?? [];
  const weights = floatsAttr(attributes, 'weights');
  const pool: string[] = stringsAttr(attributes, 'pool_strings') ?? (intsAttr(attributes, 'pool_int64s') ?? []).map(String);
  if (!['TF', 'IDF', 'TFIDF'].includes(mode) || minGram < 1 || maxGram < minGram || counts.length < maxGram) {
    throw evaluateError(context, 'inconsistent n-gram attributes', { found: `mode ${mode}, grams ${minGram}..${maxGram}, ngram_counts [${counts.join(', ')}]` });
  }
  // Key of every pool n-gram -> its ordinal (which picks the output index and weight).
  const ordinals = new Map<string, number>();
  let ordinal = 0;
  for (let n = 1; n <= counts.length; n++) {
    const end = n < counts.length ? counts[n]! : pool.length;
    for (let i = counts[n - 1]!; i + n <= end; i += n) ordinals.set(`${n}|${pool.slice(i, i + n).join('\u0000')}`, ordinal++);
  }
  const width = Math.max(-1, ...indexes) + 1;
  const rows = x.dims.length === 2 ? x.dims[0]! : 1;
  const length = x.dims[x.dims.length - 1] ?? 0;
  const tokens = Array.from(x.data as ArrayLike<unknown>, String);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const row = tokens.slice(r * length, (r + 1) * length);
    const found = new Float64Array(width);
    const count = (n: number, start: number, step: number) => {
      const gram: string[] = [];
      for (let j = 0; j < n; j++) gram.push(row[start + j * step]!);
      const k = ordinals.get(`${n}|${gram.join('\u0000')}`);
      if (k !== undefined) found[indexes[k]!] = found[indexes[k]!]! + 1;
    };
    for (let start = 0; start < length; start++) {
      if (minGram === 1) count(1, start, 1);
      for (let n = Math.max(2, minGram); n <= maxGram; n++)
        for (let skip = 0; skip <= maxSkip; skip++) if (start + (n - 1) * (skip + 1) < length) count(n, start, skip + 1);
    }
    for (let k = 0; k < indexes.length; k++) {
      const column = indexes[k]!;
      const tf = found[column]!;
      const weight = weights ? weights[k]! : 1;
      out[r * width + column] = mode === 'TF' ? tf : mode === 'IDF' ? (tf > 0 ? weight : 0) : tf * weight;
    }
  }
  return [makeTensor('float32', x.dims.length === 2 ? [rows, width] : [width], out)];
}

export const op = defineOp('TfIdfVectorizer', 9, tfIdf);

// The text ops (string and text-feature ops): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as regexFullMatch } from './regex-full-match.js';
import { op as stringConcat } from './string-concat.js';
import { op as stringNormalizer } from './string-normalizer.js';
import { op as stringSplit } from './string-split.js';
import { op as tfIdfVectorizer } from './tf-idf-vectorizer.js';

export const TEXT_OPS: readonly OpRegistration[] = [
  regexFullMatch, stringConcat, stringNormalizer, stringSplit, tfIdfVectorizer,
];

// The ml ops (ai.onnx.ml ops): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as arrayFeatureExtractor } from './array-feature-extractor.js';
import { op as binarizer } from './binarizer.js';
import { op as labelEncoder } from './label-encoder.js';
import { op as treeEnsemble } from './tree-ensemble.js';

export const ML_OPS: readonly OpRegistration[] = [
  arrayFeatureExtractor, binarizer, labelEncoder, treeEnsemble,
];

// The training ops (ai.onnx.preview.training optimizers): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as adagrad } from './adagrad.js';
import { op as adam } from './adam.js';
import { op as momentum } from './momentum.js';

export const TRAINING_OPS: readonly OpRegistration[] = [
  adagrad, adam, momentum,
];

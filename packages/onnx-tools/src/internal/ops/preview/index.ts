// The preview ops (ai.onnx.preview ops): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as flexAttention } from './flex-attention.js';

export const PREVIEW_OPS: readonly OpRegistration[] = [
  flexAttention,
];

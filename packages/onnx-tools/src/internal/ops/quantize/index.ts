// The quantize ops (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as dequantizeLinear } from './dequantize-linear.js';
import { op as dynamicQuantizeLinear } from './dynamic-quantize-linear.js';
import { op as quantizeLinear } from './quantize-linear.js';

export const QUANTIZE_OPS: readonly OpRegistration[] = [
  dequantizeLinear, dynamicQuantizeLinear, quantizeLinear,
];

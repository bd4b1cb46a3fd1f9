import type { Value } from '@kiln/onnx-tools';
import { activationOf } from './activations.js';
import { isKilnOp, isOnnxOp, stringAttribute } from './ir-helpers.js';

/**
 * Ops whose output is never negative when their first input (for Concat, every input) is not:
 * they move, select, take the maximum of or average such values. (Not Resize: cubic
 * interpolation overshoots below zero.)
 */
const PASS_THROUGH = new Set(['MaxPool', 'AveragePool', 'GlobalMaxPool', 'GlobalAveragePool', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity', 'Slice', 'Concat']);
/** Ops whose output is never negative, whatever their input. */
const NEVER_NEGATIVE = new Set(['Relu', 'Sigmoid', 'Softmax', 'Exp', 'Abs']);

function nonNegativeActivation(kind: string, params: readonly number[]): boolean {
  return kind === 'relu' || kind === 'sigmoid' || (kind === 'clip' && params[0] !== undefined && params[0] >= 0);
}

/**
 * True when no value `value` can hold is negative, as the nodes producing it show: ReLU, Sigmoid,
 * Clip with a minimum ≥ 0 (also as a fused conv/GEMM epilogue), or pooling, reshaping and
 * concatenation of such values. False when unsure. Implicit int8 quantizes such a tensor on
 * [0, threshold] with all 256 levels (see PrecisionPlan.quantization).
 */
export function isNonNegative(value: Value, depth = 8): boolean {
  const node = value.producer;
  if (!node || depth === 0) return false;
  if (isKilnOp(node, 'FusedConv') || isKilnOp(node, 'FusedGemm')) {
    const params = node.attributes.get('activation_params');
    return nonNegativeActivation(stringAttribute(node, 'activation', 'none'), params?.type === 'floats' ? params.value : []);
  }
  if (isOnnxOp(node, node.op) && NEVER_NEGATIVE.has(node.op)) return true;
  if (isOnnxOp(node, 'Clip')) {
    const activation = activationOf(node);
    return activation !== undefined && nonNegativeActivation(activation.kind, activation.params);
  }
  if (!isOnnxOp(node, node.op) || !PASS_THROUGH.has(node.op)) return false;
  const inputs = node.op === 'Concat' ? node.inputs : node.inputs.slice(0, 1);
  return inputs.length > 0 && inputs.every((input) => input !== undefined && isNonNegative(input, depth - 1));
}

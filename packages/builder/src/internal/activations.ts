import type { Node } from '@kiln/onnx-tools';
import { KILN_DOMAIN, floatAttribute, scalarValue, stringAttribute } from './ir-helpers.js';

/**
 * Activations a conv/GEMM epilogue can apply, by the name kernels and plans use. Parameters:
 * clip [min, max]; leaky_relu [alpha]; the rest none.
 */
export const EPILOGUE_ACTIVATIONS = ['none', 'relu', 'clip', 'leaky_relu', 'sigmoid', 'tanh', 'silu', 'hard_swish', 'gelu_erf', 'gelu_tanh'] as const;
export type EpilogueActivation = (typeof EPILOGUE_ACTIVATIONS)[number];

export interface Activation {
  kind: EpilogueActivation;
  params: number[];
}

/**
 * The epilogue activation a single-input node computes, or undefined when it is not one (or its
 * parameters are not constants).
 */
export function activationOf(node: Node): Activation | undefined {
  const onnx = node.domain === '' || node.domain === 'ai.onnx';
  if (node.domain === KILN_DOMAIN && node.op === 'Gelu') {
    return { kind: stringAttribute(node, 'approximate', 'none') === 'tanh' ? 'gelu_tanh' : 'gelu_erf', params: [] };
  }
  if (!onnx) return undefined;
  switch (node.op) {
    case 'Relu':
      return { kind: 'relu', params: [] };
    case 'Sigmoid':
      return { kind: 'sigmoid', params: [] };
    case 'Tanh':
      return { kind: 'tanh', params: [] };
    case 'HardSwish':
      return { kind: 'hard_swish', params: [] };
    case 'LeakyRelu':
      return { kind: 'leaky_relu', params: [floatAttribute(node, 'alpha', 0.01)] };
    case 'Gelu':
      return { kind: stringAttribute(node, 'approximate', 'none') === 'tanh' ? 'gelu_tanh' : 'gelu_erf', params: [] };
    case 'Clip': {
      if (node.attributes.has('min') || node.attributes.has('max')) {
        return { kind: 'clip', params: [floatAttribute(node, 'min', -3.4028234663852886e38), floatAttribute(node, 'max', 3.4028234663852886e38)] };
      }
      const min = node.inputs[1] === undefined ? -Infinity : scalarValue(node.inputs[1]);
      const max = node.inputs[2] === undefined ? Infinity : scalarValue(node.inputs[2]);
      if (min === undefined || max === undefined) return undefined;
      return { kind: 'clip', params: [Math.max(min, -3.4028234663852886e38), Math.min(max, 3.4028234663852886e38)] };
    }
    default:
      return undefined;
  }
}

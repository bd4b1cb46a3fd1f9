import { type PackWeightsOptions, packWeights } from '@kiln/core-native';
import type { Constant, Graph, Node, Value } from '@kiln/onnx-tools';
import { intAttribute, intsAttribute, stringAttribute } from '../ir-helpers.js';
import type { LayerQuantization, PrecisionPlan } from '../precision.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, transpose, variable } from './layout.js';
import type { EpilogueStep, LoweredLayer } from './types.js';

/** Epilogue activation names (builder) → native unary step names. */
const NATIVE_ACTIVATION: Record<string, string> = {
  relu: 'Relu', clip: 'Clip', leaky_relu: 'LeakyRelu', sigmoid: 'Sigmoid', tanh: 'Tanh', silu: 'SiLU', hard_swish: 'HardSwish', gelu_erf: 'Gelu', gelu_tanh: 'GeluTanh',
};

function epilogueOf(node: Node): EpilogueStep[] {
  const kind = stringAttribute(node, 'activation', 'none');
  if (kind === 'none') return [];
  const params = node.attributes.get('activation_params');
  const values = params?.type === 'floats' ? params.value : [];
  const step: EpilogueStep = { op: NATIVE_ACTIVATION[kind]! };
  if (values[0] !== undefined) step.alpha = values[0];
  if (values[1] !== undefined) step.beta = values[1];
  return [step];
}


/**
 * kiln.FusedConv → NCHW→NHWC reformat, an NHWC convolution with its weights packed for the
 * chosen tactic and the epilogue fused, then NHWC→NCHW. Back-to-back reformats between layers
 * cancel later (cancel-reformats), so a chain of convolutions stays NHWC.
 *
 * kiln.FusedGemm → one GEMM over the last axis with B packed for the tactic.
 */
export function lowerFused(node: Node, sources: string[], _graph: Graph, precision?: PrecisionPlan): LoweredLayer[] | undefined {
  return node.op === 'FusedConv' ? lowerConv(node, sources, precision) : lowerGemm(node, sources, precision);
}

/**
 * The precisions a GEMM/conv layer may take: its candidate tactics over every allowed precision
 * (all keep fp32 inputs and outputs, so no reformat layers are needed), a timing-cache key, and
 * the pack options of its int8 tactics.
 */
function precisionOf(op: 'conv' | 'gemm', node: Node, name: string, input: Value, plan: PrecisionPlan | undefined): Partial<LoweredLayer> & { options: (tactic: string) => PackWeightsOptions | undefined } {
  const quantization: LayerQuantization | undefined = plan?.quantization(node, input.name);
  if (!plan) return { options: () => undefined };
  const key = plan.key(name, quantization);
  if (key === 'fp32') return { options: () => undefined };
  const options = (tactic: string): PackWeightsOptions | undefined =>
    tactic.startsWith('qu8_') && !tactic.startsWith('qu8_dwconv') && quantization
      ? { inputScale: quantization.inputScale, inputZeroPoint: quantization.inputZeroPoint, ...(quantization.weightScales ? { weightScales: quantization.weightScales } : {}) }
      : undefined;
  const grid = quantization && key.split('+').includes('int8') ? { inputGrid: { scale: quantization.inputScale, zeroPoint: quantization.inputZeroPoint } } : {};
  return { candidates: plan.candidates(op, name, quantization), precisions: key, options, ...grid };
}

function lowerConv(node: Node, sources: string[], plan?: PrecisionPlan): LoweredLayer[] | undefined {
  const [x, w, bias, residual] = node.inputs;
  const y = node.outputs[0];
  const kernel = intsAttribute(node, 'kernel_shape') ?? (w?.shape?.slice(2) as number[] | undefined);
  if (!x || !w || !y || x.shape?.length !== 4 || w.shape?.length !== 4 || !kernel || kernel.length !== 2) return undefined;
  if (stringAttribute(node, 'auto_pad', 'NOTSET') !== 'NOTSET' || !w.shape.every((dim) => typeof dim === 'number')) return undefined;
  const [outChannels, inPerGroup, kh, kw] = w.shape as number[];
  const group = intAttribute(node, 'group', 1);
  const strides = intsAttribute(node, 'strides') ?? [1, 1];
  const dilations = intsAttribute(node, 'dilations') ?? [1, 1];
  const pads = intsAttribute(node, 'pads') ?? [0, 0, 0, 0];
  const name = node.name || `conv_${y.name}`;
  const toNhwc = transpose(`${name}_input_reformat`, x, NCHW_TO_NHWC, sources);
  const layers: LoweredLayer[] = [toNhwc.layer];
  let residualNhwc: Value | undefined;
  if (residual) {
    const reformat = transpose(`${name}_residual_reformat`, residual, NCHW_TO_NHWC, sources);
    layers.push(reformat.layer);
    residualNhwc = reformat.output;
  }
  const yNhwc = variable(`${y.name}_nhwc`, 'float32', NCHW_TO_NHWC.map((axis) => y.shape![axis]));
  const packed = variable(`${w.name}_packed`, 'float32', []);
  const weights = w as Constant;
  const params = [kh!, kw!, strides[0]!, strides[1]!, dilations[0]!, dilations[1]!, pads[0]!, pads[1]!, pads[2]!, pads[3]!, group, bias ? 1 : 0, residual ? 1 : 0];
  const convShape = [outChannels!, inPerGroup! * group, ...params.slice(0, 11)];
  const { options, ...precision } = precisionOf('conv', node, name, x, plan);
  // Depthwise layers have no qu8_conv tactic, but may read int8 activations (qu8_dwconv).
  const depthwiseGrid = group > 1 && group === outChannels && inPerGroup === 1 ? plan?.depthwiseGrid(node, name, x.name) : undefined;
  if (depthwiseGrid) precision.inputGrid = depthwiseGrid;
  layers.push({
    name,
    type: 'Convolution',
    family: 'f32_conv',
    ...precision,
    inputs: [toNhwc.output, packed, ...(bias ? [bias] : []), ...(residualNhwc ? [residualNhwc] : [])],
    outputs: [yNhwc],
    params,
    epilogue: epilogueOf(node),
    sources,
    packed: {
      source: w,
      pack: (tactic) => {
        const data = packWeights(tactic, convShape, weights.values.data as Float32Array, options(tactic));
        packed.shape = [data.length];
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      },
    },
  });
  layers.push(transpose(`${name}_output_reformat`, yNhwc, NHWC_TO_NCHW, sources).layer);
  layers.at(-1)!.outputs = [y];
  return layers;
}

function lowerGemm(node: Node, sources: string[], plan?: PrecisionPlan): LoweredLayer[] | undefined {
  const [a, b, bias, residual] = node.inputs;
  const y = node.outputs[0];
  if (!a || !b || !y || !b.isConstant || b.shape?.length !== 2) return undefined;
  const transB = intAttribute(node, 'transB', 0);
  const [rows, columns] = b.shape as number[];
  const k = transB ? columns! : rows!;
  const n = transB ? rows! : columns!;
  const packed = variable(`${b.name}_packed`, 'float32', []);
  const weights = b as Constant;
  const name = node.name || `gemm_${y.name}`;
  const { options, ...precision } = precisionOf('gemm', node, name, a, plan);
  return [{
    name,
    type: 'MatrixMultiply',
    family: 'f32_gemm',
    ...precision,
    inputs: [a, packed, ...(bias ? [bias] : []), ...(residual ? [residual] : [])],
    outputs: [y],
    params: [k, n, bias ? 1 : 0, residual ? 1 : 0],
    epilogue: epilogueOf(node),
    sources,
    packed: {
      source: b,
      pack: (tactic) => {
        const data = packWeights(tactic, [k, n, transB], weights.values.data as Float32Array, options(tactic));
        packed.shape = [data.length];
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      },
    },
  }];
}

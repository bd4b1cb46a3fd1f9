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
 * kiln.FusedGemm → one GEMM over the last axis with B packed for the tactic. A horizontally
 * fused GEMM (attribute `output_columns`, one output per branch) packs each branch's columns on
 * their own, back to back, and the native layer writes each branch's output tensor directly.
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
  const quantization: LayerQuantization | undefined = plan?.quantization(node, input);
  if (!plan) return { options: () => undefined };
  const key = plan.key(name, quantization);
  if (key === 'fp32') return { options: () => undefined };
  const options = (tactic: string): PackWeightsOptions | undefined =>
    tactic.startsWith('qu8_') && !tactic.startsWith('qu8_dwconv') && quantization
      ? { inputScale: quantization.inputScale, inputZeroPoint: quantization.inputZeroPoint, ...(quantization.weightScales ? { weightScales: quantization.weightScales } : {}) }
      : undefined;
  const grid = quantization && key.split('+').includes('int8') ? { inputGrid: { scale: quantization.inputScale, zeroPoint: quantization.inputZeroPoint } } : {};
  const fallbackCandidates = plan.fallback(op, name, quantization);
  return { candidates: plan.candidates(op, name, quantization), precisions: key, options, ...grid, ...(fallbackCandidates ? { fallbackCandidates } : {}) };
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
  const depthwiseGrid = group > 1 && group === outChannels && inPerGroup === 1 ? plan?.depthwiseGrid(node, name, x) : undefined;
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
  const outputs = node.outputs.filter((value): value is Value => value !== undefined);
  const y = outputs[0];
  if (!a || !b || !y || outputs.length !== node.outputs.length || !b.isConstant || b.shape?.length !== 2) return undefined;
  const transB = intAttribute(node, 'transB', 0);
  const [rows, columns] = b.shape as number[];
  const k = transB ? columns! : rows!;
  const n = transB ? rows! : columns!;
  const splits = intsAttribute(node, 'output_columns') ?? [n];
  if (splits.length !== outputs.length || splits.reduce((sum, count) => sum + count, 0) !== n || (splits.length > 1 && (residual || transB))) return undefined;
  const packed = variable(`${b.name}_packed`, 'float32', []);
  const weights = b as Constant;
  const name = node.name || `gemm_${y.name}`;
  // A horizontally fused GEMM (several outputs) runs in fp32: the reduced-precision families take one output.
  const { options, ...precision } = splits.length > 1 ? { options: () => undefined } : precisionOf('gemm', node, name, a, plan);
  return [{
    name,
    type: 'MatrixMultiply',
    family: 'f32_gemm',
    ...precision,
    inputs: [a, packed, ...(bias ? [bias] : []), ...(residual ? [residual] : [])],
    outputs,
    params: [k, n, bias ? 1 : 0, residual ? 1 : 0, ...(splits.length > 1 ? splits : [])],
    epilogue: epilogueOf(node),
    sources,
    packed: {
      source: b,
      pack: (tactic) => {
        const data = weights.values.data as Float32Array;
        const parts = splits.length === 1 ? [packWeights(tactic, [k, n, transB], data, options(tactic))] : splitColumns(data, k, splits).map((part, i) => packWeights(tactic, [k, splits[i]!, 0], part));
        const all = concatPadded(parts);
        packed.shape = [all.length];
        return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
      },
    },
  }];
}

/** Column blocks of a row-major [K, N] matrix, one [K, n_i] matrix per count. */
function splitColumns(data: Float32Array, k: number, counts: readonly number[]): Float32Array[] {
  const n = counts.reduce((sum, count) => sum + count, 0);
  let start = 0;
  return counts.map((count) => {
    const part = new Float32Array(k * count);
    for (let row = 0; row < k; row++) part.set(data.subarray(row * n + start, row * n + start + count), row * count);
    start += count;
    return part;
  });
}

/** One packed blob per branch, each padded to 16 floats (64 bytes), back to back; a single one as is. */
function concatPadded(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const padded = parts.map((part) => Math.ceil(part.length / 16) * 16);
  const all = new Float32Array(padded.reduce((sum, length) => sum + length, 0));
  let offset = 0;
  parts.forEach((part, i) => {
    all.set(part, offset);
    offset += padded[i]!;
  });
  return all;
}

import { packWeights } from '@kiln/core-native';
import type { Constant, Node } from '@kiln/onnx-tools';
import { intAttribute, intsAttribute, stringAttribute } from '../ir-helpers.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, transpose, variable } from './layout.js';
import type { LoweredLayer } from './types.js';

/** The ConvTranspose variant that reads ONNX-layout weights as they are (no packing). */
const REFERENCE_TACTIC = 'f32_deconv_direct__scalar';

/**
 * ConvTranspose (2-D) → NCHW→NHWC reformat, an NHWC `f32_deconv` layer with its weights packed
 * for the chosen tactic, then NHWC→NCHW (reformat pairs cancel between NHWC layers later).
 * Weights computed at run time (not a constant) go unpacked to the reference variant. Pads come from `pads`, or from `output_shape` / `auto_pad` SAME_* by ONNX's
 * total-padding formula; a negative total padding stays on the reference evaluator.
 */
export function lowerConvTranspose(node: Node, sources: string[]): LoweredLayer[] | undefined {
  const [x, w, bias] = node.inputs;
  const y = node.outputs[0];
  if (!x || !w || !y || x.dtype !== 'float32' || w.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return undefined;
  if (x.shape?.length !== 4 || y.shape?.length !== 4 || w.shape?.length !== 4 || !w.shape.every((dim) => typeof dim === 'number')) return undefined;
  const [inChannels, outPerGroup, kh, kw] = w.shape as number[];
  const group = intAttribute(node, 'group', 1);
  const kernel = intsAttribute(node, 'kernel_shape') ?? [kh!, kw!];
  if (kernel[0] !== kh || kernel[1] !== kw) return undefined;
  const strides = intsAttribute(node, 'strides') ?? [1, 1];
  const dilations = intsAttribute(node, 'dilations') ?? [1, 1];
  const outputPadding = intsAttribute(node, 'output_padding') ?? [0, 0];
  const pads = padsOf(node, x.shape.slice(2), [kh!, kw!], strides, dilations, outputPadding);
  if (!pads || [strides, dilations, outputPadding].some((list) => list.length !== 2)) return undefined;
  const name = node.name || `deconv_${y.name}`;
  const toNhwc = transpose(`${name}_input_reformat`, x, NCHW_TO_NHWC, sources);
  const yNhwc = variable(`${y.name}_nhwc`, 'float32', NCHW_TO_NHWC.map((axis) => y.shape![axis]));
  const packed = variable(`${w.name}_packed`, 'float32', []);
  const weights = w as Constant;
  const constant = w.isConstant;
  const geometry = [kh!, kw!, strides[0]!, strides[1]!, dilations[0]!, dilations[1]!, ...pads, outputPadding[0]!, outputPadding[1]!, group];
  const packShape = [inChannels!, outPerGroup! * group, ...geometry];
  const output = transpose(`${name}_output_reformat`, yNhwc, NHWC_TO_NCHW, sources);
  output.layer.outputs = [y];
  return [
    toNhwc.layer,
    {
      name,
      type: 'Deconvolution',
      family: 'f32_deconv',
      inputs: [toNhwc.output, constant ? packed : w, ...(bias ? [bias] : [])],
      outputs: [yNhwc],
      params: [...geometry, bias ? 1 : 0],
      sources,
      ...(constant
        ? {
            packed: {
              source: w,
              pack: (tactic: string) => {
                const data = packWeights(tactic, packShape, weights.values.data as Float32Array);
                packed.shape = [data.length];
                return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
              },
            },
          }
        : { candidates: [REFERENCE_TACTIC] }),
    },
    output.layer,
  ];
}

/** [top, left, bottom, right], or undefined when they depend on unknown sizes or come out negative. */
function padsOf(node: Node, spatial: readonly (number | string | undefined)[], kernel: number[], strides: number[], dilations: number[], outputPadding: number[]): number[] | undefined {
  const autoPad = stringAttribute(node, 'auto_pad', 'NOTSET');
  let outputShape = intsAttribute(node, 'output_shape');
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad === 'NOTSET' && !outputShape) {
    const pads = intsAttribute(node, 'pads') ?? [0, 0, 0, 0];
    return pads.length === 4 && pads.every((pad) => pad >= 0) ? pads : undefined;
  }
  if (!spatial.every((dim): dim is number => typeof dim === 'number')) return undefined;
  if (!outputShape) outputShape = spatial.map((dim, i) => dim * strides[i]!);
  if (outputShape.length !== 2) return undefined;
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const total = strides[i]! * (spatial[i]! - 1) + outputPadding[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - outputShape[i]!;
    if (total < 0) return undefined;
    const half = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_UPPER' ? half : total - half);
    end.push(autoPad === 'SAME_UPPER' ? total - half : half);
  }
  return [begin[0]!, begin[1]!, end[0]!, end[1]!];
}

import type { Value } from '@kiln/onnx-tools';
import { NCHW_TO_NHWC } from './layout.js';
import type { LoweredLayer } from './types.js';

/** Input channels up to which a convolution may read NCHW directly (the native family's limit). */
export const NCHW_CONV_MAX_CHANNELS = 4;

/**
 * A convolution that still reads its input through an NCHW→NHWC Reformat after the inverse pairs
 * cancelled (a graph input, or any tensor only NCHW layers produce) and that has few input
 * channels, group 1 and fp32 tactics only (a CNN's stem), reads the NCHW tensor itself: it
 * becomes an `f32_conv_nchw` layer (NCHW input, NHWC output, its own variants timed by the
 * tuner), and the Reformat goes away unless another layer reads its output.
 */
export function readNchwInputs(layers: readonly LoweredLayer[]): void {
  const producer = new Map<Value, LoweredLayer>();
  for (const layer of layers) for (const output of layer.outputs) producer.set(output, layer);
  for (const layer of layers) {
    const reformat = layer.inputs[0] ? producer.get(layer.inputs[0]) : undefined;
    if (!reformat || !qualifies(layer, reformat)) continue;
    layer.family = 'f32_conv_nchw';
    layer.inputs = [reformat.inputs[0], ...layer.inputs.slice(1)];
  }
}

function qualifies(layer: LoweredLayer, reformat: LoweredLayer): boolean {
  if (layer.family !== 'f32_conv' || layer.type !== 'Convolution' || layer.candidates !== undefined || layer.params?.[10] !== 1) return false;
  if (reformat.type !== 'Reformat' || !samePerm(reformat.params, NCHW_TO_NHWC)) return false;
  const source = reformat.inputs[0];
  const channels = source?.shape?.[1];
  return source?.dtype === 'float32' && source.shape?.length === 4 && typeof channels === 'number' && channels <= NCHW_CONV_MAX_CHANNELS;
}

function samePerm(params: readonly (number | string)[] | undefined, perm: readonly number[]): boolean {
  return params !== undefined && params.length === perm.length && perm.every((axis, i) => params[i] === axis);
}

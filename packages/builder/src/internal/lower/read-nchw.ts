import type { Value } from '@kiln/onnx-tools';
import { runnableTactics } from '../tactics/runnable.js';
import { NCHW_TO_NHWC, transpose } from './layout.js';
import type { LoweredLayer } from './types.js';

/** Input channels up to which a convolution may read NCHW directly (the native family's stem variants' limit). */
export const NCHW_CONV_MAX_CHANNELS = 4;

/**
 * Output channels up to which a convolution with any input channels may read NCHW directly, at
 * stride and dilation 1 along W (the family's few-output variants: an image-to-image network's
 * last convolution, vectorized over output pixels).
 */
export const NCHW_CONV_MAX_OUTPUT_CHANNELS = 4;

/** The few-output variants' tactic ids (f32_conv_nchw_32x4__avx512). */
const FEW_OUTPUT_TACTIC = /^f32_conv_nchw_32x4__/;

/** The NHWC candidates of int8 stems that now read NCHW, for revisitNchwConvs to time that path again. */
const nhwcCandidates = new WeakMap<LoweredLayer, string[]>();

/**
 * A convolution that still reads its input through an NCHW→NHWC Reformat after the inverse pairs
 * cancelled (a graph input, or any tensor only NCHW layers produce) and that has group 1 and few
 * input channels (a CNN's stem) or few output channels at stride 1 along W (an image-to-image
 * network's last convolution: fp32 tactics only, its NHWC candidates kept for revisitNchwConvs
 * in every precision) reads the NCHW tensor itself, and the Reformat goes away unless another
 * layer reads its output:
 * - with fp32 tactics only, it becomes an `f32_conv_nchw` layer (NCHW input, NHWC output, its own
 *   variants timed by the tuner);
 * - when it may run in int8 (an input grid, qu8 candidates) without a residual, and this CPU runs
 *   a vector `qu8_conv_nchw` variant (VNNI), it becomes a `qu8_conv_nchw` layer whose candidates
 *   are those variants and, when it may also run in fp32 (not an explicit Q/DQ layer), the
 *   `f32_conv_nchw` ones (the int8 stem quantizes the fp32 input itself, so int8 engines need no
 *   reformat either);
 * - otherwise, in bf16 and fp16 engines (bf16/fp16 candidates besides fp32 ones, no int8 ones),
 *   it becomes an `f32_conv_nchw` layer too: the NCHW stem does fp32 arithmetic on the fp32 image,
 *   and keepBf16Activations later moves it to `bf16_conv_nchw` (the same tiles, a bf16 output)
 *   when that is faster with its neighbours. A layer constrained to a reduced precision alone, and an
 *   int8-capable one that qu8_conv_nchw does not take (a residual), stay NHWC (timeInt8Forms times
 *   their int8 form there).
 * The NHWC candidates (bf16/fp16 AMX and AVX-512 convs included) are kept for revisitNchwConvs,
 * which times that path (with its reformat) against the NCHW one.
 */
export function readNchwInputs(layers: readonly LoweredLayer[]): void {
  const producer = new Map<Value, LoweredLayer>();
  for (const layer of layers) for (const output of layer.outputs) producer.set(output, layer);
  const int8Stems = runnableTactics('qu8_conv_nchw').filter((tactic) => !tactic.endsWith('__scalar'));
  // Few-output convs go NCHW only where a vector variant takes them (AVX-512 today): elsewhere only
  // the scalar reference would, which level 0 (no timing) would then keep.
  const fewOutputVariants = runnableTactics('f32_conv_nchw').some((tactic) => FEW_OUTPUT_TACTIC.test(tactic));
  for (const layer of layers) {
    const reformat = layer.inputs[0] ? producer.get(layer.inputs[0]) : undefined;
    const kind = reformat ? qualifies(layer, reformat) : undefined;
    if (!reformat || !kind || (kind === 'few-outputs' && !fewOutputVariants)) continue;
    if (layer.candidates === undefined) {
      layer.family = 'f32_conv_nchw';
    } else if (kind === 'few-outputs' && readsInt8(layer)) {
      // An int8-capable few-output conv (the qu8 stems do not take it): its fp32 NCHW form, timed
      // by revisitNchwConvs against the NHWC path with the int8 candidates.
      if (!mayRunFp32(layer)) continue;
      nhwcCandidates.set(layer, layer.candidates);
      layer.family = 'f32_conv_nchw';
      layer.candidates = runnableTactics('f32_conv_nchw');
    } else if (int8Stems.length > 0 && readsInt8(layer)) {
      // fp32 NCHW candidates only where the layer may run in fp32 (not an explicit Q/DQ layer).
      const fp32 = mayRunFp32(layer) ? runnableTactics('f32_conv_nchw') : [];
      nhwcCandidates.set(layer, layer.candidates);
      layer.family = 'qu8_conv_nchw';
      layer.candidates = [...int8Stems, ...fp32];
    } else if (mayRunFp32(layer) && !layer.candidates.some((tactic) => tactic.startsWith('qu8_'))) {
      nhwcCandidates.set(layer, layer.candidates);
      layer.family = 'f32_conv_nchw';
      layer.candidates = runnableTactics('f32_conv_nchw');
    } else {
      continue;
    }
    layer.inputs = [reformat.inputs[0], ...layer.inputs.slice(1)];
  }
}

/**
 * After tactic timing: an `f32_conv_nchw` layer goes back to the NHWC path (an NCHW→NHWC Reformat,
 * reused when one already runs earlier, and an `f32_conv` layer) when `select` times that path
 * faster. `select` picks tactics for the layers it gets (the builder's selectTactics); layers
 * without timings (level 0, timing cache hits without candidates) keep the NCHW path. Works on
 * `layers` in place; `log` gets one line per layer decided.
 */
export function revisitNchwConvs(layers: LoweredLayer[], select: (some: LoweredLayer[]) => void, log: (line: string) => void): void {
  for (let at = 0; at < layers.length; at++) {
    const layer = layers[at]!;
    const nchw = layer.family === 'f32_conv_nchw' || layer.family === 'qu8_conv_nchw';
    const nchwMs = nchw && layer.tactic ? layer.timings?.[layer.tactic] : undefined;
    if (nchwMs === undefined) continue;
    const x = layer.inputs[0]!;
    const earlier = layers.slice(0, at).find((other) => other.type === 'Reformat' && other.inputs[0] === x && samePerm(other.params, NCHW_TO_NHWC));
    const reformat = earlier ?? transpose(`${layer.name}_input_reformat`, x, NCHW_TO_NHWC, layer.sources).layer;
    const nhwc: LoweredLayer = { ...layer, family: 'f32_conv', candidates: nhwcCandidates.get(layer), inputs: [reformat.outputs[0], ...layer.inputs.slice(1)], tactic: undefined, timings: undefined };
    select(earlier ? [nhwc] : [reformat, nhwc]);
    const convMs = nhwc.tactic ? nhwc.timings?.[nhwc.tactic] : undefined;
    const reformatMs = earlier ? 0 : reformat.tactic ? reformat.timings?.[reformat.tactic] : undefined;
    if (convMs === undefined || reformatMs === undefined || convMs + reformatMs >= nchwMs) {
      log(`Layout: ${layer.name} reads NCHW (${layer.tactic} ${nchwMs.toFixed(4)} ms${convMs === undefined ? '' : `; NHWC path ${(convMs + (reformatMs ?? 0)).toFixed(4)} ms`})`);
      continue;
    }
    layers.splice(at, 1, ...(earlier ? [nhwc] : [reformat, nhwc]));
    at += earlier ? 0 : 1;
    log(`Layout: ${layer.name} reads NHWC (${nhwc.tactic} ${convMs.toFixed(4)} ms + reformat ${reformatMs.toFixed(4)} ms < ${layer.tactic} ${nchwMs.toFixed(4)} ms)`);
  }
}

/** Which of the NCHW family's kinds of variants may take the conv: a stem's (few input channels) or few-output ones. */
function qualifies(layer: LoweredLayer, reformat: LoweredLayer): 'stem' | 'few-outputs' | undefined {
  if (layer.family !== 'f32_conv' || layer.type !== 'Convolution' || layer.params?.[10] !== 1) return undefined;
  if (reformat.type !== 'Reformat' || !samePerm(reformat.params, NCHW_TO_NHWC)) return undefined;
  const source = reformat.inputs[0];
  const channels = source?.shape?.[1];
  if (source?.dtype !== 'float32' || source.shape?.length !== 4 || typeof channels !== 'number') return undefined;
  if (channels <= NCHW_CONV_MAX_CHANNELS) return 'stem';
  // params: kh, kw, sh, sw, dh, dw, ...; the output is NHWC.
  const outChannels = layer.outputs[0]?.shape?.[3];
  const unitW = layer.params?.[3] === 1 && layer.params?.[5] === 1;
  return typeof outChannels === 'number' && outChannels <= NCHW_CONV_MAX_OUTPUT_CHANNELS && unitW ? 'few-outputs' : undefined;
}

/** An int8-capable conv (input grid, qu8 candidates) without a residual (qu8_conv_nchw takes none). */
function readsInt8(layer: LoweredLayer): boolean {
  return layer.inputGrid !== undefined && layer.params?.[12] === 0 && (layer.candidates?.some((tactic) => tactic.startsWith('qu8_conv')) ?? false);
}

/** Whether a conv with explicit candidates (a reduced-precision build) may also run in fp32. */
function mayRunFp32(layer: LoweredLayer): boolean {
  return layer.candidates?.some((tactic) => tactic.startsWith('f32_')) ?? false;
}

function samePerm(params: readonly (number | string)[] | undefined, perm: readonly number[]): boolean {
  return params !== undefined && params.length === perm.length && perm.every((axis, i) => params[i] === axis);
}

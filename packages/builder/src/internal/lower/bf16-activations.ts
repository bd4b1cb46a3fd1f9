import type { Value } from '@kiln/onnx-tools';
import { runnableTactics } from '../tactics/runnable.js';
import { timeTactic } from '../tactics/select.js';
import { variable } from './layout.js';
import { narrowValue, type Readers, readersOf, runnable } from './narrow-activations.js';
import type { LoweredLayer } from './types.js';

/** What keepBf16Activations needs from the build. */
export interface Bf16ActivationOptions {
  /** Whether a layer may run in bf16 (the bf16 flag, and no per-layer constraint saying otherwise). */
  allowsBf16(layer: LoweredLayer): boolean;
  /** Symbol values at the profile's opt shapes, for re-timing. */
  optSymbols: ReadonlyMap<string, number>;
  /** Re-time layers whose form changed (builder optimization level > 0). */
  retime: boolean;
  log(line: string): void;
}

/**
 * bf16 activations between bf16 layers, after tactic selection (the bf16 counterpart of
 * keepInt8Activations). A bf16 convolution reads fp32, rounds it to bf16 for AMX and writes fp32
 * again; between two of them that is 4 bytes per value written and read where 2 will do, and on
 * memory-bound networks the traffic costs more than AMX saves.
 *
 * Layers that can take part, each reading and writing fp32 or bf16:
 * - bf16_conv layers (input 0 and the residual; the output rounded once in the epilogue);
 * - NCHW-input stems (f32_conv_nchw) write bf16 as bf16_conv_nchw (the same fp32 tiles, rounded
 *   once on store); they read the fp32 image (and an fp32 residual) as before;
 * - depthwise convs on an f32_dwconv tactic become bf16_dwconv when a tensor next to them is bf16
 *   (fp32 arithmetic, bf16 loads and stores: they are memory-bound);
 * - NHWC max pooling (bf16_maxpool2d_nhwc: rounding is monotonic) and channel Concat move bf16
 *   values unchanged (they must read and write bf16).
 *
 * An NHWC fp32 tensor becomes bf16 when its producer is one of these and every reader is one of
 * these; engine outputs and tensors any other layer reads stay fp32, so no reformat layers are
 * ever added. Each stored value is float_to_bf16 of the fp32 value the producer computed (one
 * rounding more than before: the reader rounded it to bf16 anyway when it was a bf16 conv).
 * fp32 convs with bf16 candidates, and NCHW stems whose bf16_conv_nchw variants this CPU runs,
 * are tried in bf16 and kept there only when faster, timed in the form they will run; a stem
 * together with its readers (its bf16 form costs it a few percent and saves them more).
 */
export function keepBf16Activations(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, options: Bf16ActivationOptions): void {
  const dwTactics = { three: runnable('bf16_dwconv_3x3__avx512') ?? runnable('bf16_dwconv__avx512'), any: runnable('bf16_dwconv__avx512') };
  if (!dwTactics.any && !layers.some(isBf16Conv)) return;
  const readers = readersOf(layers);
  const promoted = options.retime ? promote(layers, options) : new Map<LoweredLayer, string>();
  const depthwise = new Set(dwTactics.any ? layers.filter((layer) => isDepthwise(layer) && options.allowsBf16(layer)) : []);
  const poolTactic = runnable('bf16_maxpool2d_nhwc__avx512') ?? runnable('bf16_maxpool2d_nhwc__scalar');
  const passThrough = new Set(layers.filter((layer) => (poolTactic && layer.family === 'f32_maxpool2d_nhwc') || (layer.family === 'x_concat' && layer.outputs[0]?.shape?.length === 4 && layer.params?.[0] === 3)));
  const dwTactic = (layer: LoweredLayer) => (layer.params?.[0] === 3 && layer.params[1] === 3 ? dwTactics.three : dwTactics.any);
  let bf16 = narrowTensors(layers, graphOutputs, readers, depthwise, passThrough);
  // Promoted convs keep bf16 only when one of their bf16 tactics, timed in the form it now runs
  // (bf16 tensors in and out), beats their fp32 timing; a conv that goes back to fp32 changes its
  // neighbours' forms, so the rest are timed again until nothing changes.
  const timings = new Map<string, number | undefined>();
  const timed = (layer: LoweredLayer, tactic: string, narrow: ReadonlySet<Value> = bf16) => {
    const key = `${layer.name}|${tactic}|${[...layer.inputs, ...layer.outputs].map((value) => (value && narrow.has(value) ? 'b' : 'f')).join('')}`;
    if (!timings.has(key)) timings.set(key, timeInForm(layer, tactic, narrow, options.optSymbols));
    return timings.get(key);
  };
  // An NCHW stem's bf16 form changes only its output, which its readers (a depthwise conv, a max
  // pool) then read at half the bytes: the stem on `tactic` plus its readers, each timed in the
  // form it would run with the stem on that tactic (undefined when one cannot be timed).
  const withReaders = (stem: LoweredLayer, tactic: string): number | undefined => {
    const current = stem.tactic;
    stem.tactic = tactic;
    const dw = new Set(depthwise);
    const pass = new Set(passThrough);
    const narrow = narrowTensors(layers, graphOutputs, readers, dw, pass);
    stem.tactic = current;
    let total = timed(stem, tactic, narrow);
    for (const reader of new Set((readers.get(stem.outputs[0]!) ?? []).map(({ layer }) => layer))) {
      const readerTactic = dw.has(reader) ? dwTactic(reader) : pass.has(reader) && reader.family === 'f32_maxpool2d_nhwc' ? poolTactic : reader.tactic;
      const ms = readerTactic && reader.family !== 'reference' ? timed(reader, readerTactic, narrow) : undefined;
      total = total === undefined || ms === undefined ? undefined : total + ms;
    }
    return total;
  };
  const faster = (layer: LoweredLayer, best: readonly [string, number], fp32: string) => {
    if (isBf16Stem(layer)) {
      const [narrowMs, wideMs] = [withReaders(layer, best[0]), withReaders(layer, fp32)];
      if (narrowMs !== undefined && wideMs !== undefined) {
        options.log(`Precision: stem ${layer.name} with its readers: ${best[0]} ${narrowMs.toFixed(4)} ms, ${fp32} ${wideMs.toFixed(4)} ms`);
        return narrowMs < wideMs;
      }
    }
    return best[1] < (layer.timings?.[fp32] ?? Number.POSITIVE_INFINITY);
  };
  for (let changed = promoted.size > 0; changed; ) {
    changed = false;
    for (const [layer, fp32] of promoted) {
      const forms = bf16Tactics(layer).map((tactic) => [tactic, timed(layer, tactic)] as const);
      const best = forms.filter((entry): entry is readonly [string, number] => entry[1] !== undefined).sort((a, b) => a[1] - b[1])[0];
      if (best && faster(layer, best, fp32)) {
        layer.tactic = best[0];
        continue;
      }
      layer.tactic = fp32;
      promoted.delete(layer);
      changed = true;
    }
    if (changed) bf16 = narrowTensors(layers, graphOutputs, readers, depthwise, passThrough);
  }
  for (const [layer, fp32] of promoted) {
    if (layer.inputs.some((input) => input && bf16.has(input)) || bf16.has(layer.outputs[0]!)) continue;
    layer.tactic = fp32; // no bf16 tensor on either side: nothing gained over the timed choice
    promoted.delete(layer);
  }
  for (const value of bf16) narrowValue(value, 'bfloat16', layers, readers);
  for (const layer of promoted.keys()) if (isBf16Stem(layer)) layer.family = 'bf16_conv_nchw';
  for (const layer of passThrough) {
    if (layer.family !== 'f32_maxpool2d_nhwc') continue;
    layer.family = 'bf16_maxpool2d_nhwc';
    layer.tactic = poolTactic;
  }
  for (const layer of depthwise) {
    layer.family = 'bf16_dwconv';
    layer.tactic = dwTactic(layer);
    layer.candidates = undefined;
  }
  if (bf16.size > 0) {
    options.log(`Precision: ${bf16.size} activation tensors stay bf16 between layers; ${depthwise.size} depthwise layers run bf16_dwconv; ${passThrough.size} pooling/concat layers move bf16; ${promoted.size} convs moved from fp32 to bf16 tactics`);
  }
}

/**
 * The fp32 tensors that can be bf16, and (shrinking `depthwise` and `passThrough` to a fixed point)
 * the layers that move them: a depthwise conv with no bf16 tensor on either side stays fp32, a
 * Concat must read and write bf16.
 */
function narrowTensors(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, readers: Readers, depthwise: Set<LoweredLayer>, passThrough: Set<LoweredLayer>): Set<Value> {
  const candidates = new Set(depthwise);
  const passes = new Set(passThrough);
  let bf16 = new Set<Value>();
  for (let changed = true; changed; ) {
    const takes = (layer: LoweredLayer) => isBf16Conv(layer) || isBf16Stem(layer) || candidates.has(layer) || passes.has(layer);
    const readsBf16 = (layer: LoweredLayer, index: number) => passes.has(layer) || ((isBf16Conv(layer) || candidates.has(layer)) && (index === 0 || isResidual(layer, index)));
    bf16 = new Set();
    for (const layer of layers) {
      const y = layer.outputs[0];
      if (layer.outputs.length !== 1 || !y || graphOutputs.has(y) || y.dtype !== 'float32' || y.shape?.length !== 4 || !takes(layer)) continue;
      const uses = readers.get(y) ?? [];
      if (uses.length > 0 && uses.every(({ layer: reader, index }) => readsBf16(reader, index))) bf16.add(y);
    }
    changed = false;
    for (const layer of [...candidates]) {
      if (bf16.has(layer.inputs[0]!) || bf16.has(layer.outputs[0]!)) continue;
      candidates.delete(layer);
      changed = true;
    }
    for (const layer of [...passes]) {
      if (bf16.has(layer.outputs[0]!) && layer.inputs.every((input) => input && bf16.has(input))) continue;
      passes.delete(layer);
      changed = true;
    }
  }
  for (const layer of [...depthwise]) if (!candidates.has(layer)) depthwise.delete(layer);
  for (const layer of [...passThrough]) if (!passes.has(layer)) passThrough.delete(layer);
  return bf16;
}

/**
 * Every NHWC fp32 conv that has bf16 candidates takes one for now (returned: layer → its fp32
 * tactic): timing ran it with fp32 in and out, where a bf16 conv converts its input and writes 4
 * bytes per value (on small-K 1x1 convs that is most of its time); between bf16 layers it does
 * neither, so it is timed again in that form before it keeps bf16. An NCHW stem that may run in
 * bf16 (its NHWC path had bf16 candidates) takes a bf16_conv_nchw variant the same way: it only
 * writes bf16, so it keeps one only when its output stays bf16 and that form is faster.
 */
function promote(layers: readonly LoweredLayer[], options: Bf16ActivationOptions): Map<LoweredLayer, string> {
  const promoted = new Map<LoweredLayer, string>();
  for (const layer of layers) {
    if (layer.type !== 'Convolution' || !layer.timings || !/^f32_conv_(1x1|im2col|winograd|nchw)_/.test(layer.tactic ?? '') || !options.allowsBf16(layer)) continue;
    if (layer.family === 'f32_conv_nchw' && !layer.precisions?.split('+').includes('bf16')) continue;
    const tactics = bf16Tactics(layer);
    if (tactics.length === 0) continue;
    promoted.set(layer, layer.tactic!);
    layer.tactic = tactics[0];
  }
  return promoted;
}

/**
 * A conv's bf16 candidates (AMX first, as listed); an NCHW stem's are the bf16_conv_nchw
 * variants this CPU runs, the vector ones (the scalar ones are oracles).
 */
function bf16Tactics(layer: LoweredLayer): string[] {
  if (layer.family === 'f32_conv_nchw') return runnableTactics('bf16_conv_nchw').filter((tactic) => !tactic.endsWith('__scalar'));
  return (layer.candidates ?? []).filter((tactic) => tactic.startsWith('bf16_conv'));
}

/** The layer timed with the tensors in `bf16` as bfloat16 (a copy: the layer itself is unchanged). */
function timeInForm(layer: LoweredLayer, tactic: string, bf16: ReadonlySet<Value>, symbols: ReadonlyMap<string, number>): number | undefined {
  const narrow = (value: Value | undefined) => (value && bf16.has(value) ? variable(value.name, 'bfloat16', [...value.shape!]) : value);
  const form: LoweredLayer = { ...layer, inputs: layer.inputs.map(narrow), outputs: layer.outputs.map((value) => narrow(value)!) };
  return timeTactic(form, tactic, symbols);
}

/** An NHWC bf16 conv: reads and writes bf16 (input 0, residual, output). */
function isBf16Conv(layer: LoweredLayer): boolean {
  return layer.type === 'Convolution' && (layer.tactic?.startsWith('bf16_conv') ?? false) && !isBf16Stem(layer);
}

/** An NCHW stem on a bf16_conv_nchw tactic: reads the fp32 image, writes bf16. */
function isBf16Stem(layer: LoweredLayer): boolean {
  return layer.type === 'Convolution' && (layer.tactic?.startsWith('bf16_conv_nchw') ?? false);
}

/** Whether input `index` of a conv layer is its residual (the last input, with hasResidual). */
function isResidual(layer: LoweredLayer, index: number): boolean {
  return layer.params?.[12] === 1 && index === layer.inputs.length - 1;
}

/** A depthwise (multiplier 1) conv on an f32 depthwise tactic with the plain 13 conv params. */
function isDepthwise(layer: LoweredLayer): boolean {
  const [x] = layer.inputs;
  const y = layer.outputs[0];
  const group = layer.params?.[10];
  return (
    layer.type === 'Convolution' && (layer.tactic?.startsWith('f32_dwconv') ?? false) && layer.params?.length === 13 &&
    x?.dtype === 'float32' && x.shape?.[3] === group && y?.shape?.[3] === group
  );
}

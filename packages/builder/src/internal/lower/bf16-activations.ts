import type { Value } from '@kiln/onnx-tools';
import { runnableTactics } from '../tactics/runnable.js';
import { timeAlternatives } from '../tactics/select.js';
import { type MutableBf16Network, decideBf16Blocks } from './bf16-blocks.js';
import { type Bf16Forms, bf16Forms, decideBf16Convs, fastestFp32, formKey, isBf16Conv, isBf16Stem, type LayerForm, type TimeAlternatives } from './bf16-forms.js';
import { variable } from './layout.js';
import { narrowValue, readersOf, runnable } from './narrow-activations.js';
import { NCHW_CONV_MAX_CHANNELS } from './read-nchw.js';
import type { LoweredLayer } from './types.js';

/** What keepBf16Activations needs from the build. */
export interface Bf16ActivationOptions {
  /** Whether a layer may run in bf16 (the bf16 flag, and no per-layer constraint saying otherwise). */
  allowsBf16(layer: LoweredLayer): boolean;
  /** Symbol values at the profile's opt shapes, for re-timing. */
  optSymbols: ReadonlyMap<string, number>;
  /** Re-time layers whose form changed (builder optimization level > 0). */
  retime: boolean;
  /**
   * Picks a fused inverted-residual layer's tactic by timing it, false when no kernel takes it
   * (decideBf16Blocks; without it, blocks are not decided as a whole).
   */
  selectBlock?(layer: LoweredLayer): boolean;
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
 *   once on store, or AMX tiles on bf16 operands); they read the fp32 image (and an fp32
 *   residual) as before;
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
 * are tried in bf16 and kept there only when they and every layer whose form changes with that
 * choice (the producers and readers of the tensors that switch between fp32 and bf16) are faster
 * so, each timed in the form it would run (decideBf16Convs): a 1x1 conv a little slower in bf16
 * stays bf16 when going back to fp32 would make its neighbour, a 3x3 conv reading the same
 * tensor, read fp32; a stem's bf16 store costs it a few percent and saves its readers more.
 */
export function keepBf16Activations(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, options: Bf16ActivationOptions): void {
  // The AVX512-BF16 rows first (same bits, a cheaper bf16 store), then the AVX-512 ones.
  const any = runnable('bf16_dwconv__avx512bf16') ?? runnable('bf16_dwconv__avx512');
  const dwTactics = { three: runnable('bf16_dwconv_3x3__avx512bf16') ?? runnable('bf16_dwconv_3x3__avx512') ?? any, any };
  if (!dwTactics.any && !layers.some(isBf16Conv)) return;
  const readers = readersOf(layers);
  const selected = new Map(layers.map((layer) => [layer, layer.tactic] as const));
  const promoted = options.retime ? promote(layers, options) : new Map<LoweredLayer, string>();
  const poolTactic = runnable('bf16_maxpool2d_nhwc__avx512') ?? runnable('bf16_maxpool2d_nhwc__scalar');
  const dwTactic = (layer: LoweredLayer) => (layer.params?.[0] === 3 && layer.params[1] === 3 ? dwTactics.three : dwTactics.any);
  const depthwise = new Set(dwTactics.any ? layers.filter((layer) => isDepthwise(layer) && options.allowsBf16(layer)) : []);
  const network: MutableBf16Network = {
    layers,
    graphOutputs,
    readers,
    depthwise,
    passThrough: new Set(layers.filter((layer) => (poolTactic && layer.family === 'f32_maxpool2d_nhwc') || (layer.family === 'x_concat' && layer.outputs[0]?.shape?.length === 4 && layer.params?.[0] === 3))),
    narrowTactic: (layer) => (layer.family === 'f32_maxpool2d_nhwc' ? poolTactic : depthwise.has(layer) ? dwTactic(layer) : layer.tactic),
    fp32Tactics: promoted,
  };
  // Promoted convs keep bf16 only when they and every layer whose form that choice changes are
  // faster so; the same alternatives (a later round, no neighbour changed) are not timed again.
  const timings = new Map<string, (number | undefined)[]>();
  const time: TimeAlternatives = (alternatives) => {
    const key = alternatives.map((steps) => steps.map(({ layer, tactic, bf16 }) => `${layer.name}|${formKey(layer, tactic, bf16)}`).join(';')).join(' or ');
    if (!timings.has(key)) timings.set(key, timeAlternatives(alternatives.map(inForm), options.optSymbols));
    return timings.get(key)!;
  };
  let { bf16, depthwise: bf16Depthwise, passThrough } = decideConvsAndBlocks(network, promoted, time, options);
  let reverted = false;
  for (const layer of promoted.keys()) {
    if (layer.inputs.some((input) => input && bf16.has(input)) || bf16.has(layer.outputs[0]!)) continue;
    layer.tactic = selected.get(layer); // no bf16 tensor on either side: the timed choice stands
    promoted.delete(layer);
    reverted = true;
  }
  if (reverted) ({ bf16, depthwise: bf16Depthwise, passThrough } = bf16Forms(network));
  for (const value of bf16) narrowValue(value, 'bfloat16', layers, readers);
  for (const layer of promoted.keys()) if (isBf16Stem(layer)) layer.family = 'bf16_conv_nchw';
  for (const layer of passThrough) {
    if (layer.family !== 'f32_maxpool2d_nhwc') continue;
    layer.family = 'bf16_maxpool2d_nhwc';
    layer.tactic = poolTactic;
  }
  for (const layer of bf16Depthwise) {
    layer.family = 'bf16_dwconv';
    layer.tactic = dwTactic(layer);
    layer.candidates = undefined;
  }
  if (bf16.size > 0) {
    const moved = [...promoted.keys()].filter((layer) => !isBf16Conv({ ...layer, tactic: selected.get(layer) })).length;
    options.log(`Precision: ${bf16.size} activation tensors stay bf16 between layers; ${bf16Depthwise.size} depthwise layers run bf16_dwconv; ${passThrough.size} pooling/concat layers move bf16; ${moved} convs moved from fp32 to bf16 tactics`);
  }
}

/**
 * decideBf16Convs, then decideBf16Blocks; when a block went back to fp32, its neighbours' forms
 * changed, so the convs are decided again (the alternatives that did not change come from `time`'s
 * cache). Only the last round's conv decisions are logged.
 */
function decideConvsAndBlocks(network: MutableBf16Network, promoted: Map<LoweredLayer, string>, time: TimeAlternatives, options: Bf16ActivationOptions): Bf16Forms {
  const lines: string[] = [];
  const forms = decideBf16Convs(network, promoted, bf16Tactics, time, (line) => lines.push(line));
  if (!options.selectBlock || !decideBf16Blocks(network, promoted, options.selectBlock, time, options.log)) {
    for (const line of lines) options.log(line);
    return forms;
  }
  return decideBf16Convs(network, promoted, bf16Tactics, time, options.log);
}

/**
 * Every NHWC conv that has bf16 candidates takes one for now (returned: layer → its fp32 tactic):
 * timing ran it with fp32 in and out, where a bf16 conv converts its input and writes 4 bytes per
 * value (on small-K 1x1 convs that is most of its time); between bf16 layers it does neither, so
 * it is timed again in that form before it keeps bf16. That holds for a conv selection already
 * put on a bf16 tactic too (its fp32 tactic is then the fastest fp32 one timed): its bf16
 * candidates rank differently with bf16 in and out. On a Xeon with AMX, squeezenet1_1's 55x55
 * 3x3 convs ran the bf16 Winograd twin fastest with fp32 in and out (0.283 against 0.339 ms for
 * AMX im2col), where with bf16 in and out AMX im2col takes 70 us and the twin 167 us
 * (bench/bf16-conv.sh, 2 threads). An NCHW stem that may run in bf16 (its NHWC path had bf16
 * candidates) takes a bf16_conv_nchw variant the same way: it only writes bf16, so it keeps one
 * only when its output stays bf16 and that form is faster.
 *
 * @internal
 */
export function promote(layers: readonly LoweredLayer[], options: Pick<Bf16ActivationOptions, 'allowsBf16'>): Map<LoweredLayer, string> {
  const promoted = new Map<LoweredLayer, string>();
  for (const layer of layers) {
    if (layer.type !== 'Convolution' || !layer.timings || !options.allowsBf16(layer)) continue;
    const onFp32 = /^f32_conv_(1x1|im2col|winograd|nchw)_/.test(layer.tactic ?? '');
    const fp32 = onFp32 ? layer.tactic : isBf16Conv(layer) ? fastestFp32(layer) : undefined;
    if (fp32 === undefined) continue;
    if (layer.family === 'f32_conv_nchw' && !layer.precisions?.split('+').includes('bf16')) continue;
    // bf16_conv_nchw has the stem tiles only (few input channels), not the few-output ones.
    if (layer.family === 'f32_conv_nchw' && Number(layer.inputs[0]?.shape?.[1]) > NCHW_CONV_MAX_CHANNELS) continue;
    const tactics = bf16Tactics(layer);
    if (tactics.length === 0) continue;
    promoted.set(layer, fp32);
    layer.tactic = tactics[0];
  }
  return promoted;
}

/**
 * A conv's bf16 candidates that ran on it at selection, fastest first, those more than 2x slower
 * than the fastest left out (fp32 in and out there; between bf16 tensors they all save the same
 * traffic); an NCHW stem's are the bf16_conv_nchw variants this CPU runs, the vector ones (the
 * scalar ones are oracles).
 */
function bf16Tactics(layer: LoweredLayer): string[] {
  if (layer.family === 'f32_conv_nchw') return runnableTactics('bf16_conv_nchw').filter((tactic) => !tactic.endsWith('__scalar'));
  const timed = (layer.candidates ?? []).flatMap((tactic) => (tactic.startsWith('bf16_conv') && layer.timings?.[tactic] !== undefined ? [[tactic, layer.timings[tactic]] as const] : []));
  const fastest = Math.min(...timed.map(([, ms]) => ms));
  return timed.filter(([, ms]) => ms <= 2 * fastest).sort((a, b) => a[1] - b[1]).map(([tactic]) => tactic);
}

/**
 * Layers on their tactics as timeAlternatives runs them: copies with the tensors in each form's
 * `bf16` as bfloat16 (one new value per tensor, so a layer still reads what an earlier one writes).
 */
function inForm(steps: readonly LayerForm[]): [LoweredLayer, string][] {
  const narrowed = new Map<Value, Value>();
  const narrow = (value: Value | undefined, bf16: ReadonlySet<Value>) => {
    if (!value || !bf16.has(value)) return value;
    if (!narrowed.has(value)) narrowed.set(value, variable(value.name, 'bfloat16', [...value.shape!]));
    return narrowed.get(value)!;
  };
  return steps.map(({ layer, tactic, bf16 }) => [{ ...layer, inputs: layer.inputs.map((value) => narrow(value, bf16)), outputs: layer.outputs.map((value) => narrow(value, bf16)!) }, tactic]);
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

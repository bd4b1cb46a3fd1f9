import { KilnError } from '@kiln/common';
import { packWeights } from '@kiln/core-native';
import { Constant, type Value } from '@kiln/onnx-tools';
import { runnableTactics } from '../tactics/runnable.js';
import { type SelectionOptions, selectTactics, signatureOf, timeAlternatives } from '../tactics/select.js';
import { variable } from './layout.js';
import type { LoweredLayer } from './types.js';

/** The pass name KILN_DISABLE_PASSES takes. */
export const FUSE_INVERTED_RESIDUAL = 'fuse-inverted-residual';

/**
 * The precision a block runs in: fp32 convs (f32_conv tactics, fp32 tensors), or bf16 ones after
 * keepBf16Activations (bf16_conv 1x1 convs, a bf16_dwconv depthwise conv, bf16 tensors between).
 */
export type Precision = 'fp32' | 'bf16';

/** An NHWC convolution layer, as lowerConv emits it (or keepBf16Activations left it), with its geometry. @internal */
export interface Conv {
  layer: LoweredLayer;
  precision: Precision;
  weights: Float32Array;
  outChannels: number;
  inChannels: number;
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  group: number;
  bias: Value | undefined;
  residual: Value | undefined;
}

function convOf(layer: LoweredLayer | undefined): Conv | undefined {
  const precision = layer && precisionOf(layer);
  if (!layer || !precision || layer.inputGrid || !layer.packed) return undefined;
  const p = layer.params;
  const w = layer.packed.source;
  const x = layer.inputs[0];
  if (!p || p.length !== 13 || !p.every((value): value is number => typeof value === 'number')) return undefined;
  if (!(w instanceof Constant) || w.dtype !== 'float32' || w.shape.length !== 4 || typeof x?.shape?.[3] !== 'number') return undefined;
  const [outChannels, , kh, kw] = w.shape as number[];
  const hasBias = p[11] === 1;
  return {
    layer,
    precision,
    weights: w.values.data as Float32Array,
    outChannels: outChannels!,
    inChannels: x.shape[3] as number,
    kernel: [kh!, kw!],
    strides: [p[2]!, p[3]!],
    dilations: [p[4]!, p[5]!],
    pads: [p[6]!, p[7]!, p[8]!, p[9]!],
    group: p[10]!,
    bias: hasBias ? layer.inputs[2] : undefined,
    residual: p[12] === 1 ? layer.inputs[hasBias ? 3 : 2] : undefined,
  };
}

function precisionOf(layer: LoweredLayer): Precision | undefined {
  if (layer.family === 'f32_conv' && layer.tactic?.startsWith('f32_')) return 'fp32';
  if ((layer.family === 'f32_conv' && layer.tactic?.startsWith('bf16_conv')) || layer.family === 'bf16_dwconv') return 'bf16';
  return undefined;
}

const isPointwise = (c: Conv) => c.kernel.every((k) => k === 1) && c.strides.every((s) => s === 1) && c.pads.every((pad) => pad === 0) && c.group === 1;
const isDepthwise = (c: Conv) => c.group === c.inChannels && c.outChannels === c.inChannels && c.weights.length === c.outChannels * c.kernel[0] * c.kernel[1];

/**
 * Inverted-residual fusion over lowered layers (after tactic selection): an fp32 1x1 expand conv →
 * depthwise conv → 1x1 project conv chain (MobileNetV2's block; the project conv may carry the
 * residual Add) becomes one `f32_mbconv` layer that runs it in bands of rows, so the expanded
 * tensor never goes to memory. A depthwise conv whose input is not such an expand conv (the
 * block without one, or an expand whose output is read elsewhere, is a graph output or is a
 * grouped conv) fuses with its project conv alone.
 *
 * In bf16 engines (after keepBf16Activations) a chain of bf16_conv 1x1 convs and a bf16_dwconv
 * with bfloat16 tensors between them becomes one `bf16_mbconv` layer on the convs' GEMM variant:
 * it keeps the block input's and output's dtypes and equals the three layers bit for bit. Chains
 * that mix fp32 and bf16 layers, or have an fp32 tensor inside a bf16 block, stay as they are.
 *
 * Each intermediate must be read by the next conv only and not be a graph output. At builder
 * level 0 the chain always fuses; above, the fused layer is timed and kept only when it beats the
 * three layers' timed tactics together (bf16: see keepFused). Logged as `Fused: ...` lines;
 * KILN_DISABLE_PASSES=fuse-inverted-residual skips it.
 */
export function fuseInvertedResiduals(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, selection: SelectionOptions, note: (line: string) => void): LoweredLayer[] {
  const replaced = new Map<LoweredLayer, LoweredLayer | undefined>();
  for (const chain of invertedResidualChains(layers, graphOutputs, replaced, true)) {
    const { expand, depthwise, project } = chain;
    const fused = fusedLayer(expand, depthwise, project);
    if (!fused || !keepFused(fused, [expand, depthwise, project], selection)) continue;
    replaced.set(project.layer, fused);
    replaced.set(depthwise.layer, undefined);
    if (expand) replaced.set(expand.layer, undefined);
    note(`Fused: ${fused.sources.join(' + ')} (inverted residual${expand ? '' : ' without expand'}, ${fused.tactic})`);
  }
  return layers.flatMap((layer) => {
    if (!replaced.has(layer)) return [layer];
    const fused = replaced.get(layer);
    return fused ? [fused] : [];
  });
}

/** An inverted-residual block's convs: [1x1 expand →] depthwise → 1x1 project. @internal */
export interface Chain {
  expand?: Conv;
  depthwise: Conv;
  project: Conv;
}

/**
 * The inverted-residual chains of `layers`, in layer order, none with a layer of `taken` (the
 * caller adds a chain's layers as it takes them). Each intermediate tensor is read by the next conv
 * only and is not a graph output. `fusable`: the convs also have the project conv's precision and
 * the tensors between them its dtype, as a fused kernel needs; otherwise any mix (for deciding
 * precisions, before the tensors are narrowed). @internal
 */
export function* invertedResidualChains(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, taken: { has(layer: LoweredLayer): boolean }, fusable: boolean): Generator<Chain> {
  const producer = new Map<Value, LoweredLayer>();
  const readers = new Map<Value, number>();
  for (const layer of layers) {
    for (const output of layer.outputs) producer.set(output, layer);
    for (const input of layer.inputs) if (input) readers.set(input, (readers.get(input) ?? 0) + 1);
  }
  const privateTo = (value: Value | undefined) => value !== undefined && readers.get(value) === 1 && !graphOutputs.has(value);
  for (const layer of layers) {
    const project = convOf(layer);
    if (!project || !isPointwise(project) || project.layer.outputs.length !== 1) continue;
    // Between the stages of a block: a tensor only the next conv reads (of the block's precision).
    const between = (value: Value | undefined) => privateTo(value) && (!fusable || value?.dtype === BETWEEN[project.precision]);
    const sameAs = (conv: Conv) => !fusable || conv.precision === project.precision;
    const depthwise = convOf(producer.get(project.layer.inputs[0]!));
    if (!depthwise || !sameAs(depthwise) || !isDepthwise(depthwise) || depthwise.residual || !between(project.layer.inputs[0]) || taken.has(depthwise.layer)) continue;
    if (depthwise.outChannels !== project.inChannels) continue;
    const candidate = convOf(producer.get(depthwise.layer.inputs[0]!));
    const expand = candidate && sameAs(candidate) && isPointwise(candidate) && !candidate.residual && between(depthwise.layer.inputs[0]) && !taken.has(candidate.layer) && candidate.outChannels === depthwise.inChannels ? candidate : undefined;
    yield expand ? { expand, depthwise, project } : { depthwise, project };
  }
}

/**
 * A chain as one fused layer of `precision` (an `f32_mbconv`, or a `bf16_mbconv` on its 1x1
 * convs' bf16 GEMM variant), its tactic not chosen; undefined when no kernel of that precision
 * runs it here. @internal
 */
export function blockLayer(chain: Chain, precision: Precision): LoweredLayer | undefined {
  const as = (conv: Conv | undefined) => conv && { ...conv, precision };
  return fusedLayer(as(chain.expand), as(chain.depthwise)!, as(chain.project)!);
}

/** The dtype of the expanded and depthwise tensors of a block of each precision. */
const BETWEEN: Record<Precision, string> = { fp32: 'float32', bf16: 'bfloat16' };

/**
 * A bf16 block's tactics: the bf16_mbconv variant on each 1x1 conv's GEMM (bf16_conv_1x1_32x32__amx
 * → bf16_mbconv_32x32__amx), so the fused layer sums as the convs it replaces do.
 */
function bf16Candidates(convs: readonly (Conv | undefined)[]): string[] {
  const runnable = runnableTactics('bf16_mbconv');
  const names = convs.flatMap((conv) => {
    const match = /^bf16_conv_(?:1x1|im2col)_(\w+?)__(\w+)$/.exec(conv?.layer.tactic ?? '');
    return match ? [`bf16_mbconv_${match[1]}__${match[2]}`] : [];
  });
  return [...new Set(names)].filter((name) => runnable.includes(name));
}

/** The fused layer of a block (undefined: no kernel of its precision runs it here). */
function fusedLayer(expand: Conv | undefined, depthwise: Conv, project: Conv): LoweredLayer | undefined {
  const parts = [expand, depthwise, project];
  const candidates = project.precision === 'bf16' ? bf16Candidates([expand, project]) : undefined;
  if (candidates?.length === 0) return undefined;
  const present = parts.filter((part): part is Conv => part !== undefined);
  const channels = depthwise.outChannels;
  const packShape = [expand ? 1 : 0, (expand ?? depthwise).inChannels, channels, project.outChannels, ...depthwise.kernel, ...depthwise.strides, ...depthwise.dilations, ...depthwise.pads];
  const weights = new Float32Array(present.reduce((sum, part) => sum + part.weights.length, 0));
  present.reduce((offset, part) => {
    weights.set(part.weights, offset);
    return offset + part.weights.length;
  }, 0);
  const packed = variable(`${project.layer.name}_mbconv_packed`, 'float32', []);
  const steps = parts.map((part) => part?.layer.epilogue ?? []);
  return {
    name: present.map((part) => part.layer.name).join(' + '),
    type: 'InvertedResidual',
    family: project.precision === 'bf16' ? 'bf16_mbconv' : 'f32_mbconv',
    ...(candidates ? { candidates } : {}),
    inputs: [(expand ?? depthwise).layer.inputs[0], packed, ...parts.flatMap((part) => (part?.bias ? [part.bias] : [])), ...(project.residual ? [project.residual] : [])],
    outputs: project.layer.outputs,
    params: [
      expand ? 1 : 0, channels, ...depthwise.kernel, ...depthwise.strides, ...depthwise.dilations, ...depthwise.pads,
      ...parts.map((part) => (part?.bias ? 1 : 0)), project.residual ? 1 : 0, ...steps.map((list) => list.length),
    ],
    epilogue: steps.flat(),
    sources: present.flatMap((part) => part.layer.sources),
    packed: {
      source: packed,
      pack: (tactic) => {
        const data = packWeights(tactic, packShape, weights);
        packed.shape = [data.length];
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      },
    },
  };
}

/**
 * Picks the fused layer's tactic (timed above level 0, like every layer) and says whether it
 * beats the unfused convolutions' tactics. A fused layer no tactic takes is dropped. The block is
 * timed against its layers run in sequence as one program, interleaved, in the form they run (bf16
 * tensors between them in a bf16 block): the layers' own timings were taken one by one, each with
 * a call and a pool wake-up that the engine does not pay, and minutes apart from the fused
 * layer's, so a burst of load on a shared machine in between decided the choice (mobilenet_v2's
 * 7x7 blocks on two threads went to three layers in one build and stayed fused in the next). It
 * stays fused unless the layers were more than the family's tolerance faster.
 */
function keepFused(fused: LoweredLayer, parts: readonly (Conv | undefined)[], selection: SelectionOptions): boolean {
  const family = fused.family;
  if (!selectFused(fused, selection)) return false;
  if (selection.level === 0) return true;
  const tactic = fused.tactic!;
  const present = parts.filter((part): part is Conv => part !== undefined);
  // fp32 picked untimed (one candidate or a timing-cache entry without timings): as at level 0.
  if (family === 'f32_mbconv' && fused.timings?.[tactic] === undefined) return true;
  const [fusedMs, unfusedMs] = timeBlock(fused, present, selection);
  // bf16: its tactic rejected the block.
  if (fusedMs === undefined) return family === 'f32_mbconv';
  if (unfusedMs === undefined) return true;
  selection.log(`Inverted residual ${fused.name}: fused ${fusedMs.toFixed(4)} ms vs unfused ${unfusedMs.toFixed(4)} ms`);
  return fusedMs <= unfusedMs * (family === 'bf16_mbconv' ? BF16_TOLERANCE : F32_TOLERANCE);
}

/**
 * The fused layer on its tactic and its layers on theirs, timed as one program each (interleaved
 * rounds), through the timing cache: a block timed in this build (mobilenet_v2's repeated blocks)
 * or in the build that wrote the cache file is not timed again.
 */
function timeBlock(fused: LoweredLayer, parts: readonly Conv[], selection: SelectionOptions): (number | undefined)[] {
  const steps = parts.map((part) => [part.layer, part.layer.tactic!] as const);
  // Without the packed operand, whose shape is known only once a build has packed it.
  const unpacked = (layer: LoweredLayer) => ({ ...layer, inputs: layer.inputs.map((value, i) => (layer.packed && i === 1 ? undefined : value)) });
  const signature = ['inverted-residual', ...[[fused, fused.tactic!] as const, ...steps].map(([layer, tactic]) => `${tactic}:${signatureOf(unpacked(layer), selection.optSymbols)}`)].join('||');
  const cached = selection.cache?.get(signature)?.candidates;
  if (cached?.fused !== undefined && cached.unfused !== undefined) return [cached.fused, cached.unfused];
  const [fusedMs, unfusedMs] = timeAlternatives([[[fused, fused.tactic!]], steps], selection.optSymbols);
  if (fusedMs !== undefined && unfusedMs !== undefined) {
    selection.cache?.set(signature, { tactic: fusedMs <= unfusedMs ? 'fused' : 'unfused', ms: Math.min(fusedMs, unfusedMs), candidates: { fused: fusedMs, unfused: unfusedMs } });
  }
  return [fusedMs, unfusedMs];
}

/**
 * Picks a fused layer's tactic as selectTactics does for every layer (timed above level 0);
 * false when no kernel of its family takes it. @internal
 */
export function selectFused(fused: LoweredLayer, selection: SelectionOptions): boolean {
  const family = fused.family;
  try {
    selectTactics([fused], { ...selection, progress: undefined });
  } catch (error) {
    if (KilnError.isInstance(error)) return false;
    throw error;
  }
  return fused.tactic !== undefined && fused.family === family;
}

/**
 * A bf16 block stays fused unless its layers ran more than this much faster, timed alone: the
 * timing of one block, its data hot in cache, misses what the fused layer saves in a network
 * (the expanded tensors' traffic evicting the next layers' data, two fewer thread joins). On
 * mobilenet_v2 at 2 threads it rated fused blocks 0.9-1.25x the three layers while they ran
 * 0.85-0.95x of them inside the engine (per-layer profile), and the engine with every block fused
 * ran 15-20% faster (minimum and 10th percentile of interleaved runs) than with none.
 */
const BF16_TOLERANCE = 1.25;

/**
 * An fp32 block stays fused unless its layers ran more than this much faster, timed as above. On
 * mobilenet_v2 (heuristic tactics, interleaved runs, `bench:levers --without=fuse-inverted-residual`)
 * the engine with every block fused ran as fast as with none on one thread (medians 7.64 and
 * 7.61 ms) and 10% faster on two, and its arena is 2.3 MiB instead of 5.7; timed alone, most
 * blocks came within 5% of their layers on one thread. Blocks whose layers are clearly faster
 * still split (features.1's 112x112 depthwise and 1x1 conv on one thread: 0.31 against 0.27 ms).
 */
const F32_TOLERANCE = 1.1;


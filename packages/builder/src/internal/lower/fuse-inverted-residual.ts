import { KilnError } from '@kiln/common';
import { packWeights } from '@kiln/core-native';
import { Constant, type Value } from '@kiln/onnx-tools';
import { runnableTactics } from '../tactics/runnable.js';
import { type SelectionOptions, selectTactics, timeTactic } from '../tactics/select.js';
import { variable } from './layout.js';
import type { LoweredLayer } from './types.js';

/** The pass name KILN_DISABLE_PASSES takes. */
export const FUSE_INVERTED_RESIDUAL = 'fuse-inverted-residual';

/**
 * The precision a block runs in: fp32 convs (f32_conv tactics, fp32 tensors), or bf16 ones after
 * keepBf16Activations (bf16_conv 1x1 convs, a bf16_dwconv depthwise conv, bf16 tensors between).
 */
type Precision = 'fp32' | 'bf16';

/** An NHWC convolution layer, as lowerConv emits it (or keepBf16Activations left it), with its geometry. */
interface Conv {
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
 * three layers' timed tactics together. Logged as `Fused: ...` lines; KILN_DISABLE_PASSES=fuse-inverted-residual skips it.
 */
export function fuseInvertedResiduals(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, selection: SelectionOptions, note: (line: string) => void): LoweredLayer[] {
  const producer = new Map<Value, LoweredLayer>();
  const readers = new Map<Value, number>();
  for (const layer of layers) {
    for (const output of layer.outputs) producer.set(output, layer);
    for (const input of layer.inputs) if (input) readers.set(input, (readers.get(input) ?? 0) + 1);
  }
  const privateTo = (value: Value | undefined) => value !== undefined && readers.get(value) === 1 && !graphOutputs.has(value);
  const replaced = new Map<LoweredLayer, LoweredLayer | undefined>();
  for (const layer of layers) {
    const project = convOf(layer);
    if (!project || !isPointwise(project) || project.layer.outputs.length !== 1) continue;
    // Between the stages of a block: a tensor only the next conv reads, of the block's precision.
    const between = (value: Value | undefined) => privateTo(value) && value?.dtype === BETWEEN[project.precision];
    const depthwise = convOf(producer.get(project.layer.inputs[0]!));
    if (!depthwise || depthwise.precision !== project.precision || !isDepthwise(depthwise) || depthwise.residual || !between(project.layer.inputs[0]) || replaced.has(depthwise.layer)) continue;
    if (depthwise.outChannels !== project.inChannels) continue;
    const candidate = convOf(producer.get(depthwise.layer.inputs[0]!));
    const expand = candidate && candidate.precision === project.precision && isPointwise(candidate) && !candidate.residual && between(depthwise.layer.inputs[0]) && !replaced.has(candidate.layer) && candidate.outChannels === depthwise.inChannels ? candidate : undefined;
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
 * beats the unfused convolutions' tactics. A fused layer no tactic takes is dropped. fp32 parts
 * compare with their own timings; bf16 parts are timed again in the form they run (bf16 tensors
 * in the arena: their timings were taken with fp32 tensors, before keepBf16Activations).
 */
function keepFused(fused: LoweredLayer, parts: readonly (Conv | undefined)[], selection: SelectionOptions): boolean {
  const family = fused.family;
  try {
    selectTactics([fused], { ...selection, progress: undefined });
  } catch (error) {
    if (KilnError.isInstance(error)) return false;
    throw error;
  }
  if (!fused.tactic || fused.family !== family) return false;
  if (selection.level === 0) return true;
  // A single candidate is picked untimed: time it here.
  const fusedMs = fused.timings?.[fused.tactic] ?? timeTactic(fused, fused.tactic, selection.optSymbols);
  const unfused = parts.map((part) => {
    if (!part) return 0;
    const tactic = part.layer.tactic!;
    return part.precision === 'bf16' ? timeTactic(part.layer, tactic, selection.optSymbols) : part.layer.timings?.[tactic];
  });
  if (fusedMs === undefined) return false;
  if (unfused.some((ms) => ms === undefined)) return true;
  const unfusedMs = (unfused as number[]).reduce((sum, ms) => sum + ms, 0);
  selection.log(`Inverted residual ${fused.name}: fused ${fusedMs.toFixed(4)} ms vs unfused ${unfusedMs.toFixed(4)} ms`);
  return fusedMs <= unfusedMs;
}

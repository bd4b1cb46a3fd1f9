import { KilnError } from '@kiln/common';
import { packWeights } from '@kiln/core-native';
import { Constant, type Value } from '@kiln/onnx-tools';
import { type SelectionOptions, selectTactics } from '../tactics/select.js';
import { variable } from './layout.js';
import type { LoweredLayer } from './types.js';

/** The pass name KILN_DISABLE_PASSES takes. */
export const FUSE_INVERTED_RESIDUAL = 'fuse-inverted-residual';

/** An fp32 NHWC convolution layer, as lowerConv emits it, with its geometry. */
interface Conv {
  layer: LoweredLayer;
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
  if (!layer || layer.family !== 'f32_conv' || !layer.tactic?.startsWith('f32_') || layer.inputGrid || !layer.packed) return undefined;
  const p = layer.params;
  const w = layer.packed.source;
  const x = layer.inputs[0];
  if (!p || p.length !== 13 || !p.every((value): value is number => typeof value === 'number')) return undefined;
  if (!(w instanceof Constant) || w.dtype !== 'float32' || w.shape.length !== 4 || typeof x?.shape?.[3] !== 'number') return undefined;
  const [outChannels, , kh, kw] = w.shape as number[];
  const hasBias = p[11] === 1;
  return {
    layer,
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
    const depthwise = convOf(producer.get(project.layer.inputs[0]!));
    if (!depthwise || !isDepthwise(depthwise) || depthwise.residual || !privateTo(project.layer.inputs[0]) || replaced.has(depthwise.layer)) continue;
    if (depthwise.outChannels !== project.inChannels) continue;
    const candidate = convOf(producer.get(depthwise.layer.inputs[0]!));
    const expand = candidate && isPointwise(candidate) && !candidate.residual && privateTo(depthwise.layer.inputs[0]) && !replaced.has(candidate.layer) && candidate.outChannels === depthwise.inChannels ? candidate : undefined;
    const fused = fusedLayer(expand, depthwise, project);
    if (!keepFused(fused, [expand, depthwise, project], selection)) continue;
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

function fusedLayer(expand: Conv | undefined, depthwise: Conv, project: Conv): LoweredLayer {
  const parts = [expand, depthwise, project];
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
    family: 'f32_mbconv',
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
 * beats the unfused convolutions' own timed tactics. A fused layer no tactic takes is dropped.
 */
function keepFused(fused: LoweredLayer, parts: readonly (Conv | undefined)[], selection: SelectionOptions): boolean {
  try {
    selectTactics([fused], { ...selection, progress: undefined });
  } catch (error) {
    if (KilnError.isInstance(error)) return false;
    throw error;
  }
  if (!fused.tactic || fused.family !== 'f32_mbconv') return false;
  const fusedMs = fused.timings?.[fused.tactic];
  const unfused = parts.map((part) => (part ? part.layer.timings?.[part.layer.tactic!] : 0));
  if (fusedMs === undefined || unfused.some((ms) => ms === undefined)) return true;
  const unfusedMs = (unfused as number[]).reduce((sum, ms) => sum + ms, 0);
  selection.log(`Inverted residual ${fused.name}: fused ${fusedMs.toFixed(4)} ms vs unfused ${unfusedMs.toFixed(4)} ms`);
  return fusedMs <= unfusedMs;
}

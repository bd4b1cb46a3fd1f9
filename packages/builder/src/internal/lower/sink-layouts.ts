import { Constant, type Value } from '@kiln/onnx-tools';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, transpose, variable } from './layout.js';
import type { LoweredLayer } from './types.js';

/**
 * Layout sinking over lowered layers. Convolutions run NHWC between two Reformats; a pooling
 * layer, a global average pooling, a Resize or a channel Concat whose 4-D inputs all come out of
 * NHWC→NCHW Reformats runs in NHWC on those Reformats' inputs instead, and a single Reformat
 * moves after it. cancelReformats then drops the pairs this leaves back to back, so
 * conv → pool → concat → conv chains (squeezenet's fire modules) stay NHWC end to end.
 *
 * Elementwise layers (f32_vunary, f32_vbinary_*) sink too when an input comes out of such a
 * Reformat and every other input is cheap to have in NHWC: another such Reformat's input, a
 * constant (permuted at build time), a tensor of one value, or a per-channel [N, C, 1, 1] tensor
 * (the same bytes in both layouts: a transpose of C values). So squeeze-and-excitation's gate
 * (Mul(y, Sigmoid(Conv(GlobalAveragePool(y))))) no longer takes y out of NHWC and back.
 */
export function sinkLayouts(layers: readonly LoweredLayer[]): LoweredLayer[] {
  const producer = new Map<Value, LoweredLayer>();
  const result: LoweredLayer[] = [];
  for (const layer of layers) {
    for (const next of sink(layer, producer) ?? [layer]) {
      result.push(next);
      for (const output of next.outputs) producer.set(output, next);
    }
  }
  return result;
}

/** The NHWC tensor an NHWC→NCHW transpose made `value` from: a Reformat's, or the model's own Transpose's (ConvNeXt writes them around its channels-last MLPs). */
function nhwcSource(value: Value | undefined, producer: ReadonlyMap<Value, LoweredLayer>): Value | undefined {
  const source = value ? producer.get(value) : undefined;
  if (!source || (source.type !== 'Reformat' && source.family !== 'x_transpose') || !samePerm(source.params, NHWC_TO_NCHW)) return undefined;
  return source.inputs[0];
}

function samePerm(params: readonly (number | string)[] | undefined, perm: readonly number[]): boolean {
  return params !== undefined && params.length === perm.length && perm.every((axis, i) => params[i] === axis);
}

function sink(layer: LoweredLayer, producer: ReadonlyMap<Value, LoweredLayer>): LoweredLayer[] | undefined {
  if (REDUCE_FAMILIES.has(layer.family) && layer.inputs[0]?.shape?.length === 4) return sinkReduce(layer, producer);
  const y = layer.outputs[0];
  if (layer.outputs.length !== 1 || y?.shape?.length !== 4 || y.dtype !== 'float32') return undefined;
  const nhwcShape = NCHW_TO_NHWC.map((axis) => y.shape![axis]);
  const rebuilt = (patch: Partial<LoweredLayer>): LoweredLayer[] => {
    const yNhwc = variable(`${y.name}_nhwc`, 'float32', nhwcShape);
    // The NHWC layer has no ONNX-layout twin to fall back to: its scalar variant always applies.
    const moved: LoweredLayer = { ...layer, ...patch, outputs: [yNhwc], origin: undefined };
    const back = transpose(`${layer.name}_output_reformat`, yNhwc, NHWC_TO_NCHW, layer.sources).layer;
    back.outputs = [y];
    return [moved, back];
  };
  if (layer.family === 'f32_maxpool2d' || layer.family === 'f32_avgpool2d') {
    const source = nhwcSource(layer.inputs[0], producer);
    return source ? rebuilt({ family: `${layer.family}_nhwc`, inputs: [source] }) : undefined;
  }
  if (layer.family === 'f32_globalavgpool' || layer.family === 'f32_globalmaxpool') {
    // Mean (max) over H and W of [N, H, W, C]: the reduce family's vectorized [kept, reduced, kept] case.
    const source = nhwcSource(layer.inputs[0], producer);
    const family = layer.family === 'f32_globalavgpool' ? 'f32_reduce_mean' : 'f32_reduce_max';
    return source ? rebuilt({ type: 'Reduce', family, inputs: [source], params: [1, 2] }) : undefined;
  }
  if (layer.family === 'f32_batchnorm') return sinkBatchNorm(layer, producer, rebuilt);
  if (layer.family === 'f32_vunary' || (layer.family.startsWith('f32_vbinary_') && layer.inputs.length === 2)) {
    const operands = layer.inputs.map((input) => nhwcOperand(input, producer, layer.name));
    if (operands.some((operand) => operand === undefined) || !operands.some((operand) => operand!.sunk)) return undefined;
    const [moved, back] = rebuilt({ inputs: operands.map((operand) => operand!.value) });
    return [...operands.flatMap((operand) => operand!.before), moved!, back!];
  }
  if (layer.family === 'f32_resize' && layer.params?.length === 5) {
    // The same resize of H and W, over [N, H, W, C] (layout param 1).
    const source = nhwcSource(layer.inputs[0], producer);
    return source ? rebuilt({ inputs: [source], params: [...layer.params, 1] }) : undefined;
  }
  if (layer.family === 'x_concat' && layer.params?.[0] === 1) {
    const sources = layer.inputs.map((input) => nhwcSource(input, producer));
    if (sources.some((source) => source === undefined)) return undefined;
    return rebuilt({ inputs: sources, params: [3] });
  }
  return undefined;
}

/**
 * A BatchNormalization that stays (DenseNet's pre-activation one after each Concat: a ReLU, not
 * a convolution, follows) with constant statistics and an NHWC source runs there as a Mul and an
 * Add by per-channel constants, x · a + (b − mean · a) with a = scale / √(var + ε), as BN folding
 * into a conv computes them: the f32_batchnorm kernel walks NCHW planes, and kept NCHW it cost a
 * transpose of the tensor on each side.
 */
function sinkBatchNorm(layer: LoweredLayer, producer: ReadonlyMap<Value, LoweredLayer>, rebuilt: (patch: Partial<LoweredLayer>) => LoweredLayer[]): LoweredLayer[] | undefined {
  const source = nhwcSource(layer.inputs[0], producer);
  const [, scale, bias, mean, variance] = layer.inputs;
  const epsilon = layer.params?.[0];
  const stats = [scale, bias, mean, variance].map((value) => (value instanceof Constant && value.dtype === 'float32' ? (value.values.data as Float32Array) : undefined));
  const channels = source?.shape?.[3];
  if (!source || typeof epsilon !== 'number' || typeof channels !== 'number' || stats.some((data) => data?.length !== channels)) return undefined;
  const [s, b, m, v] = stats as [Float32Array, Float32Array, Float32Array, Float32Array];
  const a = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    a[c] = s[c]! / Math.sqrt(v[c]! + epsilon);
    shift[c] = b[c]! - m[c]! * a[c]!;
  }
  const constant = (suffix: string, data: Float32Array) => new Constant(`${layer.name}_${suffix}_nhwc`, { type: 'float32', dims: [1, 1, 1, channels], data });
  const scaled = variable(`${layer.name}_scaled_nhwc`, 'float32', [...source.shape!]);
  const mul: LoweredLayer = { name: `${layer.name}_scale`, type: 'ElementWise', family: 'f32_vbinary_mul', inputs: [source, constant('a', a)], outputs: [scaled], sources: layer.sources };
  const [add, back] = rebuilt({ type: 'ElementWise', family: 'f32_vbinary_add', inputs: [scaled, constant('shift', shift)], params: undefined });
  return [mul, add!, back!];
}

const REDUCE_FAMILIES = new Set(['f32_reduce_mean', 'f32_reduce_sum', 'f32_reduce_max']);

/**
 * A ReduceMean/Sum/Max of an NCHW tensor that an NHWC→NCHW Reformat made runs on the Reformat's
 * input, over the same axes in NHWC: PyTorch writes squeeze-and-excitation's pooling as
 * `x.mean((2, 3), keepdim=True)`, a ReduceMean, not a GlobalAveragePool. With keepdims the
 * NHWC result goes through one Reformat back (which cancels against the next conv's); without,
 * when the kept axes come in the same order in both layouts (C reduced, or H and W both), the
 * NHWC result is the output as it is.
 */
function sinkReduce(layer: LoweredLayer, producer: ReadonlyMap<Value, LoweredLayer>): LoweredLayer[] | undefined {
  const source = nhwcSource(layer.inputs[0], producer);
  const y = layer.outputs[0];
  const axes = layer.params;
  if (!source || layer.outputs.length !== 1 || y?.shape === undefined || !axes?.every((axis) => typeof axis === 'number')) return undefined;
  const nhwcAxes = (axes as number[]).map((axis) => NCHW_TO_NHWC.indexOf(axis)).sort((a, b) => a - b);
  const moved: LoweredLayer = { ...layer, inputs: [source], params: nhwcAxes, origin: undefined };
  if (y.shape.length === 4) {
    const yNhwc = variable(`${y.name}_nhwc`, y.dtype!, NCHW_TO_NHWC.map((axis) => y.shape![axis]));
    const back = transpose(`${layer.name}_output_reformat`, yNhwc, NHWC_TO_NCHW, layer.sources).layer;
    back.outputs = [y];
    return [{ ...moved, outputs: [yNhwc] }, back];
  }
  const kept = [0, 1, 2, 3].filter((axis) => !axes.includes(axis));
  const keptNhwc = NCHW_TO_NHWC.filter((axis) => kept.includes(axis));
  return kept.every((axis, i) => keptNhwc[i] === axis) ? [moved] : undefined;
}

interface Operand {
  value: Value;
  /** Layers that make the NHWC operand (a transpose of a per-channel tensor). */
  before: LoweredLayer[];
  /** The operand was an NHWC tensor already (the input of an NHWC→NCHW Reformat). */
  sunk: boolean;
}

/** An elementwise layer's 4-D-broadcast input in NHWC, when that is cheap (see sinkLayouts). */
function nhwcOperand(value: Value | undefined, producer: ReadonlyMap<Value, LoweredLayer>, name: string): Operand | undefined {
  if (value === undefined || value.dtype !== 'float32' || value.shape === undefined) return undefined;
  const source = nhwcSource(value, producer);
  if (source) return { value: source, before: [], sunk: true };
  const shape = value.shape;
  if (shape.length > 4 || shape.some((dim) => typeof dim !== 'number')) return undefined;
  const dims = [...new Array(4 - shape.length).fill(1), ...shape] as number[];
  if (dims.every((dim) => dim === 1)) return { value, before: [], sunk: false };
  if (value instanceof Constant) return { value: nhwcConstant(value, dims), before: [], sunk: false };
  if (shape.length === 4 && dims[2] === 1 && dims[3] === 1) {
    const { layer, output } = transpose(`${name}_${value.name}_reformat`, value, NCHW_TO_NHWC, []);
    return { value: output, before: [layer], sunk: false };
  }
  return undefined;
}

/** A float32 constant broadcast against NCHW ([a, b, c, d] after leading 1s), as [a, c, d, b]. */
function nhwcConstant(value: Constant, dims: readonly number[]): Constant {
  const [a, b, c, d] = dims as [number, number, number, number];
  const data = value.values.data as Float32Array;
  const out = new Float32Array(data.length);
  for (let n = 0; n < a; n++) {
    for (let h = 0; h < c; h++) {
      for (let w = 0; w < d; w++) {
        for (let ch = 0; ch < b; ch++) out[((n * c + h) * d + w) * b + ch] = data[((n * b + ch) * c + h) * d + w]!;
      }
    }
  }
  return new Constant(`${value.name}_nhwc`, { type: 'float32', dims: [a, c, d, b], data: out });
}

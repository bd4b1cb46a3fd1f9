import { kernels } from '@kiln/core-native';
import type { Value } from '@kiln/onnx-tools';
import { fastest } from './int8-tactics.js';
import { narrowValue, readersOf } from './narrow-activations.js';
import type { LoweredLayer } from './types.js';

type Grid = NonNullable<LoweredLayer['inputGrid']>;

/**
 * Int8 activations between int8 layers, after tactic selection. Every int8 convolution used to
 * read fp32 and quantize it, and write fp32 again; between two of them that is 4 bytes per value
 * written and read where 1 will do, and on memory-bound networks (mobilenet's 1x1 expand →
 * depthwise → 1x1 project blocks) that traffic is most of the time.
 *
 * Layers that can take part:
 * - qu8 convs read uint8 as input 0 on their packed input grid, and write uint8 on any grid;
 * - depthwise convs with an input grid (calibrated or Q/DQ) become qu8_dwconv: they must read
 *   uint8, and write uint8 or fp32;
 * - NHWC max pooling and Concat pass values through unchanged (quantization is monotonic), so
 *   they read and write one grid, the grid their readers need; they must read and write uint8.
 *
 * An NHWC tensor becomes uint8 when its producer is one of these and every reader is one of these
 * on one grid; a qu8 conv may also add it as its residual (dequantized with that grid). The producer then requantizes to that grid (its ReLU/Clip folded into the
 * saturation), and readers skip the quantize step, bit for bit what they did to fp32 values
 * before (up to ties of x / scale); a uint8 residual adds the quantized values (one rounding more
 * than fp32, as onnxruntime's Q/DQ graphs do). Tensors with any other reader (an engine output, an
 * fp32 layer) stay fp32, so no reformat layers are ever added.
 */
export function keepInt8Activations(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, log: (line: string) => void): void {
  const readers = readersOf(layers);
  const isQu8Conv = (layer: LoweredLayer) => layer.type === 'Convolution' && layer.inputGrid !== undefined && (layer.tactic?.startsWith('qu8_conv') ?? false);
  const dwTactic = vectorVariant('qu8_dwconv');
  const poolTactic = vectorVariant('qu8_maxpool2d_nhwc');
  // Candidates that must read (and for pass-through layers, write) uint8 shrink to a fixed point.
  const depthwise = new Set(dwTactic ? layers.filter(isDepthwise) : []);
  const passThrough = new Set(layers.filter((layer) => (poolTactic && layer.family === 'f32_maxpool2d_nhwc') || (layer.family === 'x_concat' && layer.outputs[0]?.shape?.length === 4 && layer.params?.[0] === 3)));
  let int8 = new Map<Value, Grid>();
  for (let changed = true; changed; ) {
    int8 = new Map();
    // Readers come after producers: walking backwards, a pass-through reader's output grid is known.
    for (const layer of [...layers].reverse()) {
      const y = layer.outputs[0];
      if (layer.outputs.length !== 1 || !y || graphOutputs.has(y) || y.dtype !== 'float32') continue;
      if (!isQu8Conv(layer) && !depthwise.has(layer) && !passThrough.has(layer)) continue;
      const grid = sharedGrid(readers.get(y) ?? [], (reader, index) => {
        if (passThrough.has(reader)) return int8.get(reader.outputs[0]!);
        if (isQu8Conv(reader) && index > 0 && isResidual(reader, index)) return 'any';
        // qu8_conv_nchw reads its fp32 NCHW input itself (never uint8); it may write uint8.
        return index === 0 && ((isQu8Conv(reader) && reader.family !== 'qu8_conv_nchw') || depthwise.has(reader)) ? reader.inputGrid : undefined;
      });
      if (grid) int8.set(y, grid);
    }
    changed = false;
    for (const layer of [...depthwise]) {
      if (int8.has(layer.inputs[0]!)) continue;
      depthwise.delete(layer);
      changed = true;
    }
    for (const layer of [...passThrough]) {
      if (int8.has(layer.outputs[0]!) && layer.inputs.every((input) => input && int8.has(input))) continue;
      passThrough.delete(layer);
      changed = true;
    }
  }
  // qu8 convs with no uint8 tensor on either side run in the form the first timing measured (fp32
  // in and out): its fastest tactic (timeInt8Forms picked theirs in the uint8 form). That changes
  // no other tensor: they had none to share.
  let reverted = 0;
  for (const layer of layers) {
    if (!isQu8Conv(layer) || !layer.timings || int8.has(layer.inputs[0]!) || int8.has(layer.outputs[0]!)) continue;
    const [tactic] = fastest(layer.timings);
    if (tactic === undefined || tactic === layer.tactic) continue;
    layer.tactic = tactic;
    reverted++;
  }
  const outputGrid = new Map(layers.map((layer) => [layer, int8.get(layer.outputs[0]!)]));
  for (const [value, grid] of int8) {
    const producer = narrowValue(value, 'uint8', layers, readers);
    if (isQu8Conv(producer)) producer.params = [...producer.params!, grid.scale, grid.zeroPoint];
  }
  // qu8 convs adding a uint8 residual take its grid after their own output grid.
  for (const [value, grid] of int8) {
    for (const { layer, index } of readers.get(value)!) {
      if (index > 0 && isQu8Conv(layer) && isResidual(layer, index)) layer.params = [...layer.params!, grid.scale, grid.zeroPoint];
    }
  }
  for (const layer of depthwise) {
    const out = outputGrid.get(layer);
    layer.family = 'qu8_dwconv';
    layer.tactic = dwTactic;
    layer.params = [...layer.params!, layer.inputGrid!.scale, layer.inputGrid!.zeroPoint, out?.scale ?? 0, out?.zeroPoint ?? 0];
  }
  for (const layer of passThrough) {
    if (layer.family !== 'f32_maxpool2d_nhwc') continue;
    layer.family = 'qu8_maxpool2d_nhwc';
    layer.tactic = poolTactic;
  }
  if (int8.size > 0) {
    log(`Precision: ${int8.size} activation tensors stay int8 between layers; ${depthwise.size} depthwise layers run ${dwTactic}; ${passThrough.size} pooling/concat layers move int8; ${reverted} convs with fp32 on both sides took their fastest fp32-in/out tactic`);
  }
}

/**
 * The one grid every reader needs (`gridOf` undefined: that reader cannot read uint8; 'any': it
 * reads any grid, as a qu8 conv's residual does, but at least one reader must set the grid).
 */
function sharedGrid(readers: readonly { layer: LoweredLayer; index: number }[], gridOf: (layer: LoweredLayer, index: number) => Grid | 'any' | undefined): Grid | undefined {
  let grid: Grid | undefined;
  for (const { layer, index } of readers) {
    const own = gridOf(layer, index);
    if (!own) return undefined;
    if (own === 'any') continue;
    if (grid && (Math.fround(grid.scale) !== Math.fround(own.scale) || grid.zeroPoint !== own.zeroPoint)) return undefined;
    grid = own;
  }
  return grid;
}

/** Whether input `index` of a conv layer is its residual (the last input, with hasResidual). */
function isResidual(layer: LoweredLayer, index: number): boolean {
  return layer.params?.[12] === 1 && index === layer.inputs.length - 1;
}

/** A depthwise (multiplier 1) conv without residual on an f32 depthwise tactic, with an input grid. */
function isDepthwise(layer: LoweredLayer): boolean {
  const [x] = layer.inputs;
  const y = layer.outputs[0];
  const group = layer.params?.[10];
  return (
    layer.type === 'Convolution' && layer.inputGrid !== undefined && (layer.tactic?.startsWith('f32_dwconv') ?? false) &&
    layer.params?.length === 13 && layer.params[12] === 0 && x?.dtype === 'float32' && x.shape?.[3] === group && y?.shape?.[3] === group
  );
}

/** The first vector variant of a family (listed fastest first) that this CPU runs. */
function vectorVariant(family: string): string | undefined {
  return kernels().find((kernel) => kernel.name.startsWith(`${family}__`) && !kernel.name.endsWith('__scalar') && kernel.runnable)?.name;
}

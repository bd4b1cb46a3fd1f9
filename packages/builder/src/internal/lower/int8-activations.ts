import { kernels } from '@kiln/core-native';
import type { Value } from '@kiln/onnx-tools';
import { variable } from './layout.js';
import type { LoweredLayer } from './types.js';

type Grid = NonNullable<LoweredLayer['inputGrid']>;

/** A qu8 conv timed within this factor of the fp32 winner takes its place when int8 activations follow. */
const PROMOTE = 1.5;

/**
 * Int8 activations between int8 layers, after tactic selection. Every int8 convolution used to
 * read fp32 and quantize it, and write fp32 again; between two of them that is 4 bytes per value
 * written and read where 1 will do, and on memory-bound networks (mobilenet's 1x1 expand →
 * depthwise → 1x1 project blocks) that traffic is most of the time.
 *
 * An NHWC tensor becomes uint8 when its producer is a qu8 conv (or a depthwise conv that can run
 * as qu8_dwconv) and every reader reads it as input 0 on one grid: qu8 convs (their packed input
 * quantization) and depthwise convs (their calibrated or Q/DQ input scale). The producer then
 * writes that grid (its epilogue's ReLU/Clip folded into the saturation) and the readers skip
 * the quantize step, which is bit for bit what they did to the fp32 values before; depthwise
 * readers switch to qu8_dwconv. Tensors with any other reader (a residual input, pooling, an
 * engine output) stay fp32, so no reformat layers are ever added: precision changes only where
 * a producer and all its readers speak int8.
 */
export function keepInt8Activations(layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>, log: (line: string) => void): void {
  const dwTactic = depthwiseTactic();
  const readers = new Map<Value, { layer: LoweredLayer; index: number }[]>();
  for (const layer of layers) {
    layer.inputs.forEach((input, index) => {
      if (input) readers.set(input, [...(readers.get(input) ?? []), { layer, index }]);
    });
  }
  // Timing measured every candidate with fp32 in and out, where a memory-bound qu8 conv pays
  // for quantizing its input and is no faster than fp32. So an int8-capable conv timed into fp32
  // runs its best qu8 tactic when that was within PROMOTE of the winner, and goes back below if
  // it ends up with no int8 tensor on either side.
  const promoted = new Map<LoweredLayer, string>();
  for (const layer of layers) {
    if (layer.type !== 'Convolution' || !layer.inputGrid || !layer.timings || !layer.tactic?.startsWith('f32_conv')) continue;
    const chosen = layer.timings[layer.tactic];
    const qu8 = Object.entries(layer.timings).filter(([tactic]) => tactic.startsWith('qu8_conv')).sort((a, b) => a[1] - b[1])[0];
    if (chosen === undefined || !qu8 || qu8[1] > chosen * PROMOTE) continue;
    promoted.set(layer, layer.tactic);
    layer.tactic = qu8[0];
  }
  const isQu8Conv = (layer: LoweredLayer) => layer.type === 'Convolution' && layer.inputGrid !== undefined && (layer.tactic?.startsWith('qu8_conv') ?? false);
  // Depthwise candidates shrink until each reads a uint8 input (a fixed point: removing one can
  // only remove tensors, never add them).
  const depthwise = new Set(dwTactic ? layers.filter(isDepthwise) : []);
  let int8 = new Map<Value, Grid>();
  for (let changed = true; changed; ) {
    int8 = new Map();
    for (const layer of layers) {
      const y = layer.outputs[0];
      if (layer.outputs.length !== 1 || !y || graphOutputs.has(y) || y.dtype !== 'float32') continue;
      if (!isQu8Conv(layer) && !depthwise.has(layer)) continue;
      const grid = sharedGrid(readers.get(y) ?? [], (reader) => isQu8Conv(reader) || depthwise.has(reader));
      if (grid) int8.set(y, grid);
    }
    changed = false;
    for (const layer of [...depthwise]) {
      if (!int8.has(layer.inputs[0]!)) {
        depthwise.delete(layer);
        changed = true;
      }
    }
  }
  const touchesInt8 = (layer: LoweredLayer) => int8.has(layer.inputs[0]!) || int8.has(layer.outputs[0]!);
  for (const [layer, tactic] of promoted) {
    if (touchesInt8(layer)) continue;
    layer.tactic = tactic;
    promoted.delete(layer);
  }
  const outputBefore = new Map(layers.map((layer) => [layer, layer.outputs[0]]));
  for (const [value, grid] of int8) {
    // A new uint8 tensor in place of the fp32 one (IR values are immutable).
    const narrow = variable(value.name, 'uint8', [...value.shape!]);
    const producer = layers.find((layer) => layer.outputs[0] === value)!;
    producer.outputs = [narrow];
    for (const { layer } of readers.get(value)!) layer.inputs = layer.inputs.map((input) => (input === value ? narrow : input));
    if (isQu8Conv(producer)) producer.params = [...producer.params!, grid.scale, grid.zeroPoint];
  }
  for (const layer of depthwise) {
    const out = int8.get(outputBefore.get(layer)!);
    layer.family = 'qu8_dwconv';
    layer.tactic = dwTactic;
    layer.params = [...layer.params!, layer.inputGrid!.scale, layer.inputGrid!.zeroPoint, out?.scale ?? 0, out?.zeroPoint ?? 0];
  }
  if (int8.size > 0) log(`Precision: ${int8.size} activation tensors stay int8 between layers; ${depthwise.size} depthwise layers run ${dwTactic}; ${promoted.size} convs moved from fp32 to int8 tactics`);
}

/** The one grid every reader reads `readers`' tensor on as input 0, if all qualify. */
function sharedGrid(readers: readonly { layer: LoweredLayer; index: number }[], qualifies: (layer: LoweredLayer) => boolean): Grid | undefined {
  let grid: Grid | undefined;
  for (const { layer, index } of readers) {
    const own = layer.inputGrid;
    if (index !== 0 || !own || !qualifies(layer)) return undefined;
    if (grid && (Math.fround(grid.scale) !== Math.fround(own.scale) || grid.zeroPoint !== own.zeroPoint)) return undefined;
    grid = own;
  }
  return grid;
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

/** qu8_dwconv's vector variant when this CPU runs it (the scalar one is a reference, never a speed-up). */
function depthwiseTactic(): string | undefined {
  return kernels().find((kernel) => kernel.name === 'qu8_dwconv__avx512' && kernel.runnable)?.name;
}

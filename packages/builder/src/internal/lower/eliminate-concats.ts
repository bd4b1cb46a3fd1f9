import type { Value } from '@kiln/onnx-tools';
import type { LoweredLayer } from './types.js';

/** Where a tensor lives inside another one: `elementOffset` elements in, rows `rowStride` apart (0: dense). */
export interface TensorView {
  base: Value;
  elementOffset: number;
  rowStride: number;
}

/** The tactic of an eliminated Concat: moves nothing, checks the views when the engine loads. */
export const CONCAT_VIEW_TACTIC = 'x_concat_view__scalar';

/**
 * Tactics that write through a row stride: every f32 GEMM variant, the GEMM-based, Winograd and
 * NCHW-input f32 convolutions, and every reduced-precision GEMM and GEMM-based convolution (bf16,
 * f16, qu8, incl. qu8's small-K 1x1 and NCHW-input stem, and bf16's Winograd twins) whatever their
 * output dtype (fp32, bf16, uint8).
 */
const STRIDED_WRITERS = /^(f32_gemm_\d+x\d+|f32_conv_1x1_\w+|f32_conv_im2col_\w+|f32_conv_winograd_\w+|f32_conv_nchw_\w+|(bf16|f16|qu8)_gemm_\d+x\d+\w*|(bf16|f16|qu8)_conv_1x1_\w+|(bf16|f16|qu8)_conv_im2col_\w+|bf16_conv_winograd_\w+|qu8_conv_nchw\w*)__/;

/** Dtypes a strided Concat may have: fp32, and the bf16 and int8 (uint8) activations between reduced-precision layers. */
const STRIDED_DTYPES = new Set(['float32', 'bfloat16', 'uint8']);

/**
 * Concat elimination (after tactic selection, on the final layer list): each input of a Concat is
 * written by its producer straight into its slice of the Concat's output, and the Concat becomes
 * an `x_concat_view` layer that moves nothing. Two cases:
 *
 * - contiguous: every dim before the axis is 1 (NCHW channel concat at batch 1): slice i is a dense
 *   view at the byte offset of the inputs before it; any native producer writes it;
 * - strided: the axis is the last one (NHWC channel concat, squeezenet's fire modules): slice i is
 *   a column range with the output's last dim as row stride; only GEMM, GEMM-based and NCHW-input conv
 *   tactics write that (their output row stride becomes ldc), in fp32, bf16 or uint8.
 *
 * A uint8 Concat (int8 activations) copies bytes: keepInt8Activations gave every input the
 * output's grid, so writing them in place keeps the same bytes. It is eliminated only when each
 * producer's output grid is known (a qu8 conv or qu8_dwconv) and all are identical; otherwise
 * the copy stays.
 *
 * An input qualifies only when it has one producer, is read by this Concat alone (once), is not a
 * graph input, output or constant, and has static extents along and after the axis. The Concat's
 * output must not be a graph output, and no reference layer may run from the first producer to
 * the last reader of the output, that one included (a view cannot cross a native segment). Otherwise the Concat keeps its copy.
 * Returns the views for the plan writer; `log` gets one line per eliminated Concat.
 */
export function eliminateConcats(layers: LoweredLayer[], graphInputs: ReadonlySet<Value>, graphOutputs: ReadonlySet<Value>, log: (line: string) => void): Map<Value, TensorView> {
  const views = new Map<Value, TensorView>();
  const producer = new Map<Value, number>();
  const readers = new Map<Value, number[]>();
  layers.forEach((layer, step) => {
    for (const output of layer.outputs) producer.set(output, producer.has(output) ? -1 : step);
    for (const input of layer.inputs) if (input) readers.set(input, [...(readers.get(input) ?? []), step]);
  });
  const references = layers.flatMap((layer, step) => (layer.family === 'reference' ? [step] : []));
  layers.forEach((layer, step) => {
    if (layer.family !== 'x_concat' || layer.outputs.length !== 1 || !layer.tactic) return;
    const y = layer.outputs[0]!;
    const axis = layer.params?.[0];
    const shape = y.shape;
    if (typeof axis !== 'number' || !shape || graphOutputs.has(y) || graphInputs.has(y) || !staticFrom(y, axis)) return;
    const contiguous = shape.slice(0, axis).every((dim) => dim === 1);
    if (!contiguous && (axis !== shape.length - 1 || !STRIDED_DTYPES.has(y.dtype ?? ''))) return;
    const inputs = layer.inputs as Value[];
    const producers = inputs.map((x) => producer.get(x) ?? -1);
    const eligible = inputs.every((x, i) => {
      const at = producers[i]!;
      const source = layers[at];
      if (at < 0 || at > step || !source || x.isConstant || graphInputs.has(x) || graphOutputs.has(x) || views.has(x) || !staticFrom(x, axis)) return false;
      if (inputs.indexOf(x) !== i || (readers.get(x) ?? []).some((reader) => reader !== step)) return false;
      if (source.family === 'reference' || source.family === 'x_concat' || !source.tactic) return false;
      return contiguous || STRIDED_WRITERS.test(source.tactic);
    });
    if (!eligible || inputs.length === 0) return;
    if (y.dtype === 'uint8' && !oneGrid(producers.map((at) => layers[at]!))) return;
    const first = Math.min(...producers);
    const last = Math.max(step, ...(readers.get(y) ?? []));
    if (references.some((at) => at >= first && at <= last)) return;
    const inner = (shape.slice(axis + 1) as number[]).reduce((product, dim) => product * dim, 1);
    let position = 0;
    for (const x of inputs) {
      views.set(x, { base: y, elementOffset: position * inner, rowStride: contiguous ? 0 : (shape[axis] as number) });
      position += x.shape![axis] as number;
    }
    layer.family = 'x_concat_view';
    layer.tactic = CONCAT_VIEW_TACTIC;
    log(`Eliminated concatenation: ${layer.name} (${contiguous ? 'contiguous' : 'strided'}; written in place by ${producers.map((at) => layers[at]!.name).join(', ')})`);
  });
  return views;
}

/** Whether every layer writes uint8 on a known grid (its trailing params), the same for all. */
function oneGrid(producers: readonly LoweredLayer[]): boolean {
  const grids = producers.map(outputGrid);
  const first = grids[0];
  return first !== undefined && grids.every((grid) => grid !== undefined && grid.scale === first.scale && grid.zeroPoint === first.zeroPoint);
}

/** The uint8 output grid of a qu8 conv (params 13, 14 after the conv's 13) or qu8_dwconv (params 15, 16). */
function outputGrid(layer: LoweredLayer): { scale: number; zeroPoint: number } | undefined {
  const at = layer.family === 'qu8_dwconv' ? 15 : layer.tactic?.startsWith('qu8_conv') ? 13 : -1;
  const [scale, zeroPoint] = [layer.params?.[at], layer.params?.[at + 1]];
  return at > 0 && typeof scale === 'number' && typeof zeroPoint === 'number' && scale > 0 ? { scale: Math.fround(scale), zeroPoint } : undefined;
}

/** Dims from `axis` on are numbers (slice offsets and strides do not depend on the input shapes). */
function staticFrom(value: Value, axis: number): boolean {
  return value.shape !== undefined && value.shape.length > axis && value.shape.slice(axis).every((dim) => typeof dim === 'number');
}

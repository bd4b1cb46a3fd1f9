import { Constant, type Graph, type Node, type Value } from '@kiln/onnx-tools';
import { intAttribute, scalarValue } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';

/**
 * Explicit quantization (QDQ models), before constants are folded:
 *
 * 1. A Conv (not depthwise), Gemm or MatMul whose activation input is `DequantizeLinear(QuantizeLinear(x, s, z),
 *    s, z)` (per tensor) and whose weights are `DequantizeLinear(q, sw, 0)` of a constant int8 /
 *    uint8 tensor (per tensor or per output channel) reads `x` itself and carries the quantization
 *    as attributes: `kiln_input_scale`, `kiln_input_zero_point` (on the uint8 grid: an int8 zero
 *    point z is z + 128), `kiln_weight_scales`. Its weights become the fp32 values `q * sw`, which
 *    its int8 kernel quantizes back to exactly `q` with the same scales. The kernel quantizes `x`
 *    as the Q node would, so the layer computes what the Q/DQ graph describes, in integers.
 *    A depthwise Conv keeps fp32 weights (no int8 GEMM to feed) but takes its input's grid as
 *    `kiln_activation_scale` / `kiln_activation_zero_point`, so it can read int8 activations.
 * 2. A Q→DQ pair left on an activation (with the same scale and zero point) is a fake
 *    quantization around an op Kiln runs in fp32 (Relu, Add, pooling, ...): it is removed, and that
 *    op sees fp32 values (the difference is below one quantization step; where the pair fed an
 *    int8 layer, step 1 has already moved its quantization into that layer).
 */
export const foldQdq: Pass = {
  name: 'fold-qdq',
  run(graph, context) {
    for (const node of [...graph.nodes]) {
      if ((node.op === 'Conv' || node.op === 'Gemm' || node.op === 'MatMul') && isOnnx(node)) absorb(graph, node, context);
    }
    for (const node of [...graph.nodes]) if (node.op === 'DequantizeLinear' && isOnnx(node)) removeFakeQuantization(graph, node, context);
  },
};

const isOnnx = (node: Node) => node.domain === '' || node.domain === 'ai.onnx';

interface Grid {
  scale: number;
  zeroPoint: number;
}

/** The per-tensor (scale, zero point on the uint8 grid) of a Q or DQ node, if it has one. */
function perTensorGrid(node: Node): Grid | undefined {
  const scale = scalarValue(node.inputs[1]);
  const zeroPointValue = node.inputs[2];
  const zeroPoint = zeroPointValue === undefined ? 0 : scalarValue(zeroPointValue);
  if (scale === undefined || zeroPoint === undefined || !(scale > 0) || !Number.isFinite(scale)) return undefined;
  const type = zeroPointValue?.dtype ?? 'uint8';
  if (type !== 'int8' && type !== 'uint8') return undefined;
  return { scale, zeroPoint: type === 'int8' ? zeroPoint + 128 : zeroPoint };
}

/** x when `value` is DQ(Q(x)) with one per-tensor 8-bit grid on both. */
function fakeQuantized(value: Value | undefined): { x: Value; grid: Grid; dq: Node } | undefined {
  const dq = value?.producer;
  const q = dq?.inputs[0]?.producer;
  if (!dq || !q || dq.op !== 'DequantizeLinear' || q.op !== 'QuantizeLinear' || !isOnnx(dq) || !isOnnx(q)) return undefined;
  const x = q.inputs[0];
  const [dqGrid, qGrid] = [perTensorGrid(dq), perTensorGrid(q)];
  // Before shape inference intermediate dtypes may be unknown; QuantizeLinear reads float32 only here.
  if (!x || (x.dtype !== undefined && x.dtype !== 'float32') || !dqGrid || !qGrid || Math.fround(dqGrid.scale) !== Math.fround(qGrid.scale) || dqGrid.zeroPoint !== qGrid.zeroPoint) return undefined;
  if (intAttribute(q, 'saturate', 1) !== 1 || (q.inputs[2]?.dtype ?? 'uint8') !== (dq.inputs[2]?.dtype ?? 'uint8')) return undefined;
  return { x, grid: qGrid, dq };
}

/** Output-channel axis of the weights: Conv W axis 0, MatMul B axis 1, Gemm B by transB. */
function channelAxis(node: Node): number {
  if (node.op === 'Conv') return 0;
  if (node.op === 'MatMul') return 1;
  return intAttribute(node, 'transB', 0) === 1 ? 0 : 1;
}

/** fp32 weights and their scales (one, or one per output channel) from DQ(q, sw, zw) of constants. */
function dequantizedWeights(node: Node): { weights: Float32Array; scales?: Float32Array } | undefined {
  const dq = node.inputs[1]?.producer;
  if (!dq || dq.op !== 'DequantizeLinear' || !isOnnx(dq)) return undefined;
  const [q, scale, zero] = dq.inputs;
  if (!(q instanceof Constant) || !(scale instanceof Constant) || (zero !== undefined && !(zero instanceof Constant))) return undefined;
  if ((q.dtype !== 'int8' && q.dtype !== 'uint8') || scale.dtype !== 'float32') return undefined;
  const dims = q.shape;
  if ((node.op === 'Conv' && dims.length !== 4) || (node.op !== 'Conv' && dims.length !== 2)) return undefined;
  const scales = scale.values.data as Float32Array;
  const zeros = zero ? Array.from(zero.values.data as ArrayLike<number>) : [0];
  const axis = channelAxis(node);
  const perChannel = scales.length > 1;
  const dqAxis = intAttribute(dq, 'axis', 1);
  if (perChannel && ((dqAxis < 0 ? dqAxis + dims.length : dqAxis) !== axis || scales.length !== dims[axis])) return undefined;
  if (zeros.length !== scales.length && zeros.length !== 1) return undefined;
  const values = q.values.data as Int8Array | Uint8Array;
  const inner = dims.slice(axis + 1).reduce((product, dim) => product * dim, 1);
  const channels = dims[axis]!;
  const weights = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const channel = perChannel ? Math.floor(i / inner) % channels : 0;
    weights[i] = Math.fround((values[i]! - (zeros[zeros.length === 1 ? 0 : channel] ?? 0)) * scales[channel]!);
  }
  // Only symmetric weights keep their scales (the int8 kernel has no weight zero point).
  const symmetric = zeros.every((z) => z === 0) && q.dtype === 'int8';
  return { weights, ...(symmetric ? { scales: Float32Array.from(scales) } : {}) };
}

/** The weight dims of a Conv: a constant's, or the int8 constant behind a weight DequantizeLinear. */
function weightShape(node: Node): readonly (number | string | undefined)[] | undefined {
  const w = node.inputs[1];
  if (w instanceof Constant) return w.shape;
  const source = w?.producer?.op === 'DequantizeLinear' ? w.producer.inputs[0] : undefined;
  return source instanceof Constant ? source.shape : w?.shape;
}

function absorb(graph: Graph, node: Node, context: PassContext): void {
  const input = fakeQuantized(node.inputs[0]);
  if (!input) return;
  // Depthwise convolutions have no int8 GEMM: their weights fold to fp32, and they read the input
  // on its uint8 grid (qu8_dwconv) when the layer before them writes int8 activations.
  if (node.op === 'Conv' && intAttribute(node, 'group', 1) > 1 && weightShape(node)?.[1] === 1) {
    node.setInput(0, input.x);
    node.attributes.set('kiln_activation_scale', { type: 'float', value: input.grid.scale });
    node.attributes.set('kiln_activation_zero_point', { type: 'int', value: input.grid.zeroPoint });
    context.note(`Quantized: ${node.name || node.op} (depthwise) reads its input on the uint8 grid (scale ${input.grid.scale}, zero point ${input.grid.zeroPoint})`);
    return;
  }
  const weights = dequantizedWeights(node);
  if (!weights) return;
  if (node.op === 'Gemm' && (intAttribute(node, 'transA', 0) !== 0 || (node.attributes.get('alpha')?.type === 'float' && node.attributes.get('alpha')!.value !== 1))) return;
  const source = node.inputs[1]!.producer!.inputs[0] as Constant;
  const fp32 = new Constant(context.freshName(graph, `${source.name}_dequantized`), { type: 'float32', dims: [...source.shape], data: weights.weights });
  node.setInput(0, input.x);
  node.setInput(1, fp32);
  node.attributes.set('kiln_input_scale', { type: 'float', value: input.grid.scale });
  node.attributes.set('kiln_input_zero_point', { type: 'int', value: input.grid.zeroPoint });
  if (weights.scales) node.attributes.set('kiln_weight_scales', { type: 'floats', value: Array.from(weights.scales) });
  context.note(`Quantized: ${node.name || node.op} runs in int8 (input scale ${input.grid.scale}, zero point ${input.grid.zeroPoint}; ${weights.scales ? `${weights.scales.length} weight scale(s)` : 'weight scales recomputed: asymmetric weights'})`);
}

function removeFakeQuantization(graph: Graph, dq: Node, context: PassContext): void {
  const found = fakeQuantized(dq.outputs[0]);
  const output = dq.outputs[0];
  if (!found || !output || graph.outputs.includes(output)) return;
  for (const consumer of output.consumers) consumer.replaceInput(output, found.x);
  graph.removeNode(dq);
  context.note(`Removed Q/DQ pair on ${found.x.name}: its readers run in fp32`);
}

import { type Graph, Node, type Value, Variable } from '@kiln/onnx-tools';
import { KILN_DOMAIN, floatValues, intAttribute, isKilnOp, newConstant, replaceNodes } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';
import { QDQ_ATTRIBUTES } from '../../internal/precision.js';

/**
 * Horizontal fusion: layers that read the same input with compatible parameters become one wider
 * layer (TensorRT's "horizontal layer fusion").
 *
 * - GEMMs: `kiln.FusedGemm` nodes reading the same A with constant fp32 weights, no residual and
 *   the same activation (BERT's Q, K and V projections) become one FusedGemm whose weights and
 *   biases are concatenated along N and whose outputs are the branches' outputs, attribute
 *   `output_columns` giving each one's width. The native GEMM writes each column range straight
 *   into its own tensor: no split copy.
 * - Convolutions: `kiln.FusedConv` nodes reading the same input with the same kernel, strides,
 *   pads, dilations and group 1, no residual and the same activation, whose outputs are adjacent
 *   inputs of one channel Concat (and read by nothing else), become one convolution with the
 *   weights concatenated along the output channels, whose output takes their place in the Concat
 *   (the Concat disappears when nothing else is left in it). Branches read elsewhere would need
 *   a split copy, so they are left alone.
 *
 * Only in fp32 builds: with fp16/bf16/int8 allowed, precisions are chosen per original layer.
 */
function quantized(node: Node): boolean {
  return QDQ_ATTRIBUTES.some((name) => node.attributes.has(name));
}

/** Activation, its parameters and the attributes that must agree, as one comparable string. */
function epilogueKey(node: Node, attributes: readonly string[]): string {
  return JSON.stringify(attributes.map((name) => node.attributes.get(name) ?? null));
}

const GEMM_KEY = ['activation', 'activation_params'];
const CONV_KEY = ['activation', 'activation_params', 'kernel_shape', 'strides', 'pads', 'dilations', 'group', 'auto_pad'];

function gemmBranch(graph: Graph, node: Node, a: Value): boolean {
  const b = node.inputs[1];
  const y = node.outputs[0];
  return (
    isKilnOp(node, 'FusedGemm') && node.inputs[0] === a && node.outputs.length === 1 && y !== undefined && y.dtype === 'float32' &&
    floatValues(b) !== undefined && b!.shape?.length === 2 && node.inputs[3] === undefined && !quantized(node) && !node.attributes.has('output_columns') &&
    (node.inputs[2] === undefined || floatValues(node.inputs[2]) !== undefined) && graph.nodes.includes(node)
  );
}

/** B as [K, N] row-major whatever transB says. */
function weightsKN(node: Node): { k: number; n: number; data: Float32Array } {
  const values = floatValues(node.inputs[1])!;
  const [rows, columns] = node.inputs[1]!.shape as number[];
  if (intAttribute(node, 'transB', 0) === 0) return { k: rows!, n: columns!, data: values };
  const data = new Float32Array(values.length);
  for (let r = 0; r < rows!; r++) for (let c = 0; c < columns!; c++) data[c * rows! + r] = values[r * columns! + c]!;
  return { k: columns!, n: rows!, data };
}

/** Biases of the branches back to back (zeros for a branch without one), or undefined when none has one. */
function concatBias(branches: readonly Node[], widths: readonly number[]): Float32Array | undefined {
  if (branches.every((node) => node.inputs[2] === undefined)) return undefined;
  const bias = new Float32Array(widths.reduce((sum, width) => sum + width, 0));
  let offset = 0;
  branches.forEach((node, i) => {
    const values = floatValues(node.inputs[2]);
    if (values) bias.set(values.length === 1 ? new Float32Array(widths[i]!).fill(values[0]!) : values, offset);
    offset += widths[i]!;
  });
  return bias;
}

function fuseGemms(graph: Graph, context: PassContext): void {
  const inputs = new Set<Value>();
  for (const node of graph.nodes) if (isKilnOp(node, 'FusedGemm') && node.inputs[0] && !node.inputs[0].isConstant) inputs.add(node.inputs[0]);
  for (const a of inputs) {
    const groups = new Map<string, Node[]>();
    for (const node of a.consumers) {
      if (!gemmBranch(graph, node, a)) continue;
      const key = `${weightsKN(node).k}|${epilogueKey(node, GEMM_KEY)}`;
      groups.set(key, [...(groups.get(key) ?? []), node]);
    }
    for (const branches of groups.values()) {
      const unique = [...new Set(branches)].sort((x, y) => graph.nodes.indexOf(x) - graph.nodes.indexOf(y));
      if (unique.length < 2) continue;
      const parts = unique.map(weightsKN);
      const k = parts[0]!.k;
      const widths = parts.map((part) => part.n);
      const n = widths.reduce((sum, width) => sum + width, 0);
      const weights = new Float32Array(k * n);
      let start = 0;
      for (const part of parts) {
        for (let row = 0; row < k; row++) weights.set(part.data.subarray(row * part.n, (row + 1) * part.n), row * n + start);
        start += part.n;
      }
      const first = unique[0]!;
      const bias = concatBias(unique, widths);
      const fused = new Node({
        op: 'FusedGemm',
        domain: KILN_DOMAIN,
        name: context.freshName(graph, `${first.name || 'gemm'}_horizontal`),
        inputs: [a, newConstant(context, graph, `${first.inputs[1]!.name}_horizontal`, [k, n], weights), bias ? newConstant(context, graph, `${first.name}_horizontal_bias`, [n], bias) : undefined],
        outputs: unique.map((node) => node.outputs[0]!),
        attributes: new Map(GEMM_KEY.flatMap((name) => (first.attributes.has(name) ? [[name, first.attributes.get(name)!] as const] : []))),
      });
      fused.attributes.set('transB', { type: 'int', value: 0 });
      fused.attributes.set('output_columns', { type: 'ints', value: widths });
      const outputs = fused.outputs;
      replaceNodes(graph, unique, fused);
      fused.setOutputs(outputs);
      context.fused(fused, unique);
    }
  }
}

function convBranch(graph: Graph, node: Node | undefined, concat: Node): node is Node {
  if (!node || !isKilnOp(node, 'FusedConv') || !graph.nodes.includes(node) || quantized(node)) return false;
  const y = node.outputs[0];
  const w = node.inputs[1];
  if (node.outputs.length !== 1 || !y || graph.outputs.includes(y) || y.consumers.length !== 1 || y.consumers[0] !== concat) return false;
  if (node.inputs[3] !== undefined || intAttribute(node, 'group', 1) !== 1 || floatValues(w) === undefined || w!.shape?.length !== 4) return false;
  return node.inputs[2] === undefined || floatValues(node.inputs[2]) !== undefined;
}

/** Same input, weights of the same [C, kh, kw], same attributes and epilogue. */
function compatible(a: Node, b: Node): boolean {
  const wa = a.inputs[1]!.shape!;
  const wb = b.inputs[1]!.shape!;
  return a.inputs[0] === b.inputs[0] && wa.slice(1).every((dim, i) => dim === wb[i + 1]) && epilogueKey(a, CONV_KEY) === epilogueKey(b, CONV_KEY);
}

function fuseConvRun(graph: Graph, context: PassContext, concat: Node, run: Node[]): void {
  const widths = run.map((node) => node.inputs[1]!.shape![0] as number);
  const weights = new Float32Array(run.reduce((sum, node) => sum + floatValues(node.inputs[1])!.length, 0));
  let offset = 0;
  for (const node of run) {
    weights.set(floatValues(node.inputs[1])!, offset);
    offset += floatValues(node.inputs[1])!.length;
  }
  const first = run[0]!;
  const [, c, kh, kw] = first.inputs[1]!.shape as number[];
  const n = widths.reduce((sum, width) => sum + width, 0);
  const bias = concatBias(run, widths);
  const ys = run.map((node) => node.outputs[0]!);
  const whole = ys.length === concat.inputs.length;
  const shape = ys[0]!.shape ? [ys[0]!.shape[0], n, ...ys[0]!.shape.slice(2)] : undefined;
  const output = whole ? concat.outputs[0]! : new Variable(context.freshName(graph, `${first.name || 'conv'}_horizontal`), 'float32', shape);
  const fused = new Node({
    op: 'FusedConv',
    domain: KILN_DOMAIN,
    name: context.freshName(graph, `${first.name || 'conv'}_horizontal`),
    inputs: [first.inputs[0], newConstant(context, graph, `${first.inputs[1]!.name}_horizontal`, [n, c!, kh!, kw!], weights), bias ? newConstant(context, graph, `${first.name}_horizontal_bias`, [n], bias) : undefined],
    outputs: [],
    attributes: new Map(first.attributes),
  });
  const position = concat.inputs.indexOf(ys[0]);
  if (whole) {
    graph.removeNode(concat);
    replaceNodes(graph, run, fused);
    fused.setOutputs([output]);
    context.fused(fused, [...run, concat]);
    return;
  }
  replaceNodes(graph, run, fused);
  fused.setOutputs([output]);
  const rest = [...concat.inputs];
  rest.splice(position, run.length, output);
  concat.setInputs(rest);
  context.fused(fused, run);
}

function fuseConvs(graph: Graph, context: PassContext): void {
  for (const concat of [...graph.nodes]) {
    if (concat.op !== 'Concat' || concat.domain !== '' || !graph.nodes.includes(concat)) continue;
    const rank = concat.outputs[0]?.shape?.length;
    if (rank !== 4 || (intAttribute(concat, 'axis', 0) + rank) % rank !== 1) continue;
    const inputs = [...concat.inputs];
    for (let start = 0; start < inputs.length; ) {
      const head = inputs[start]?.producer;
      let end = start + 1;
      if (convBranch(graph, head, concat)) {
        while (end < inputs.length) {
          const next = inputs[end]?.producer;
          if (!convBranch(graph, next, concat) || !compatible(head, next) || inputs.slice(start, end).includes(inputs[end])) break;
          end++;
        }
        if (end - start >= 2) fuseConvRun(graph, context, concat, inputs.slice(start, end).map((value) => value!.producer!));
      }
      start = end;
    }
  }
}

export const fuseHorizontal: Pass = {
  name: 'fuse-horizontal',
  run(graph, context) {
    // The fused layers run in fp32; reduced-precision builds choose per original layer instead.
    if (context.options.reducedPrecision) return;
    fuseGemms(graph, context);
    fuseConvs(graph, context);
  },
};

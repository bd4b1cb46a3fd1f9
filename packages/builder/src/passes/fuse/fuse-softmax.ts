import { type Graph, Node, type Value } from '@kiln/onnx-tools';
import { KILN_DOMAIN, intAttribute, isKilnOp, isOnnxOp, nativeFloat, replaceNodes, sameShape, scalarValue } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';
import { type NodePattern, type Rewrite, rewriteAll } from '../../internal/pattern.js';

/**
 * Softmax epilogues, as attention exports write them around the scores:
 *
 *   Softmax(Add(x, m)) / LogSoftmax(Add(x, m))  →  kiln.Softmax(x, m)   (either Add operand order)
 *     when the softmax runs along the last axis, x has the Add's output shape and m broadcasts to
 *     it (an attention mask [B,1,S,S] or [1,1,S,S] against scores [B,H,S,S], a row [S], one value);
 *   Where(IsNaN(y), 0, y) or Where(Not(IsNaN(y)), y, 0) with y = Softmax(...)  →  that softmax with
 *     `nan_to_zero` set, when y and the IsNaN (and Not) outputs have no other readers.
 *
 * The fused node lowers to one `f32_softmax` layer reading the bias as it goes. Semantics are
 * ONNX's exactly: a row of all -inf is NaN in plain Softmax, and with `nan_to_zero` every output
 * that would be NaN (such a row, a row holding a NaN) is 0.
 */
const ADD_THEN_SOFTMAX: NodePattern = {
  op: ['Softmax', 'LogSoftmax'],
  bind: 'softmax',
  inputs: [{ op: 'Add', bind: 'add', inputs: [{ tensor: true, bind: 'a' }, { tensor: true, bind: 'b' }] }],
};

const isPositiveZero = (value: Value) => Object.is(scalarValue(value), 0) && value.dtype === 'float32';
const Y = { tensor: true, bind: 'y' } as const;
const ZERO = { tensor: true, bind: 'zero', constant: true, where: isPositiveZero } as const;
const IS_NAN: NodePattern = { op: 'IsNaN', bind: 'isnan', inputs: [Y] };
/** Where(IsNaN(y), 0, y) */
const WHERE_NAN_ZERO: NodePattern = { op: 'Where', bind: 'where', inputs: [IS_NAN, ZERO, Y] };
/** Where(Not(IsNaN(y)), y, 0) */
const WHERE_NOT_NAN: NodePattern = { op: 'Where', bind: 'where', inputs: [{ op: 'Not', bind: 'not', inputs: [IS_NAN] }, Y, ZERO] };

function fuseBias(graph: Graph, context: PassContext): Rewrite {
  const isNativeFloat = nativeFloat(graph);
  return (_graph, match) => {
    const softmax = match.nodes.get('softmax')!;
    const add = match.nodes.get('add')!;
    const sum = add.outputs[0]!;
    const x = [match.tensors.get('a')!, match.tensors.get('b')!].find((value) => sameShape(value, sum));
    const bias = x === match.tensors.get('a') ? match.tensors.get('b')! : match.tensors.get('a')!;
    const rank = sum.shape?.length;
    if (!x || rank === undefined || rank === 0 || !broadcastsTo(bias, sum) || ![x, bias, sum, softmax.outputs[0]].every(isNativeFloat)) return false;
    if (softmaxAxis(softmax, rank, context) !== rank - 1) return false;
    const fused = new Node({ op: 'Softmax', domain: KILN_DOMAIN, name: softmax.name, inputs: [x, bias], outputs: [] });
    fused.attributes.set('axis', { type: 'int', value: rank - 1 });
    fused.attributes.set('log', { type: 'int', value: softmax.op === 'LogSoftmax' ? 1 : 0 });
    fused.attributes.set('nan_to_zero', { type: 'int', value: 0 });
    const output = softmax.outputs[0]!;
    replaceNodes(graph, [add, softmax], fused);
    fused.setOutputs([output]);
    graph.toposort();
    context.fused(fused, [add, softmax]);
    return true;
  };
}

function fuseNanToZero(graph: Graph, context: PassContext): Rewrite {
  const isNativeFloat = nativeFloat(graph);
  return (_graph, match) => {
    const y = match.tensors.get('y')!;
    const where = match.nodes.get('where')!;
    const softmax = y.producer;
    if (!softmax || !graph.nodes.includes(softmax) || y.consumers.length !== 2 || graph.outputs.includes(y)) return false;
    const rank = y.shape?.length;
    if (rank === undefined || rank === 0 || !sameShape(where.outputs[0]!, y) || !isNativeFloat(y) || !isNativeFloat(softmax.inputs[0])) return false;
    let axis: number | undefined;
    if (isKilnOp(softmax, 'Softmax')) {
      if (intAttribute(softmax, 'log', 0) !== 0) return false;
      axis = intAttribute(softmax, 'axis', rank - 1);
    } else if (isOnnxOp(softmax, 'Softmax')) {
      axis = softmaxAxis(softmax, rank, context);
    }
    if (axis === undefined) return false;
    // A new node: replaceNodes disconnects every covered node, the softmax among them.
    const fused = new Node({ op: 'Softmax', domain: KILN_DOMAIN, name: softmax.name, inputs: [...softmax.inputs], outputs: [] });
    fused.attributes.set('axis', { type: 'int', value: axis });
    fused.attributes.set('log', { type: 'int', value: 0 });
    fused.attributes.set('nan_to_zero', { type: 'int', value: 1 });
    const covered = [softmax, match.nodes.get('isnan')!, ...(match.nodes.has('not') ? [match.nodes.get('not')!] : []), where];
    const output = where.outputs[0]!;
    replaceNodes(graph, covered, fused);
    fused.setOutputs([output]);
    graph.toposort();
    context.fused(fused, covered);
    return true;
  };
}

/** The normalized axis of an ONNX Softmax/LogSoftmax when the fused kernel computes the same thing. */
function softmaxAxis(node: Node, rank: number, context: PassContext): number | undefined {
  const opset = context.model.opset('') ?? 13;
  const raw = intAttribute(node, 'axis', opset >= 13 ? -1 : 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank) return undefined;
  // Before opset 13 the input is flattened to 2-D at `axis`: the same as one axis only for the last.
  return opset < 13 && axis !== rank - 1 ? undefined : axis;
}

/** `bias` broadcasts to `target` (numpy, unidirectionally): each dim, aligned right, is 1 or the same. */
function broadcastsTo(bias: Value, target: Value): boolean {
  const b = bias.shape;
  const t = target.shape;
  if (b === undefined || t === undefined || b.length > t.length) return false;
  return b.every((dim, i) => dim === 1 || (dim !== undefined && dim === t[i + t.length - b.length]));
}

export const fuseSoftmax: Pass = {
  name: 'fuse-softmax',
  run(graph, context) {
    rewriteAll(graph, [[ADD_THEN_SOFTMAX, fuseBias(graph, context)]]);
    rewriteAll(graph, [
      [WHERE_NAN_ZERO, fuseNanToZero(graph, context)],
      [WHERE_NOT_NAN, fuseNanToZero(graph, context)],
    ]);
  },
};

// FlexAttention (ai.onnx.preview): scaled dot-product attention over 4-D [batch, heads, sequence,
// size] inputs whose scores [B, H, L, S] pass through the optional `score_mod` graph before the
// softmax and whose probabilities pass through the optional `prob_mod` graph after it (masks,
// biases, softcaps, ... are written as those graphs). Key/value heads are shared in groups.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, graphAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

/** Runs the one-input, one-output modifier graph `name` on `t`, or returns `t` when absent. */
async function modify(context: OpContext, attributes: Attributes, name: string, t: Tensor): Promise<Tensor> {
  const graph = graphAttr(attributes, name);
  if (graph === undefined) return t;
  if (!context.graphInputNames) throw evaluateError(context, 'the evaluator did not provide graphInputNames', { hint: 'evaluate with a driver that implements OpContext.graphInputNames' });
  const [input] = context.graphInputNames(graph);
  const [result] = await context.runGraph(graph, new Map([[input!, t]]));
  if (!result || result.data.length !== t.data.length) {
    throw evaluateError(context, `${name} must return one tensor shaped like its input`, { expected: `[${t.dims.join(', ')}]`, found: result ? `[${result.dims.join(', ')}]` : 'nothing' });
  }
  return result;
}

async function flexAttention(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Promise<Tensor[]> {
  const [q, k, v] = [0, 1, 2].map((i) => requireInput(context, inputs, i)) as [Tensor, Tensor, Tensor];
  expectType(context, q, FLOAT_TYPES);
  const [batch, qHeads, queries, size] = q.dims as [number, number, number, number];
  const [, kvHeads, keys] = k.dims as [number, number, number];
  const valueSize = v.dims[3]!;
  if (q.dims.length !== 4 || k.dims.length !== 4 || v.dims.length !== 4 || qHeads % kvHeads !== 0 || k.dims[3] !== size || v.dims[1] !== kvHeads || v.dims[2] !== keys) {
    throw evaluateError(context, 'Q, K and V must be 4-D [batch, heads, sequence, size] with compatible heads', {
      found: `Q [${q.dims.join(', ')}], K [${k.dims.join(', ')}], V [${v.dims.join(', ')}]`,
    });
  }
  const scale = floatAttr(attributes, 'scale') ?? 1 / Math.sqrt(size);
  const group = qHeads / kvHeads;
  const [qv, kv, vv] = [toNumbers(q), toNumbers(k), toNumbers(v)];
  const scores = new Float64Array(batch * qHeads * queries * keys);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < qHeads; h++)
      for (let i = 0; i < queries; i++)
        for (let j = 0; j < keys; j++) {
          let dot = 0;
          const qBase = ((b * qHeads + h) * queries + i) * size;
          const kBase = ((b * kvHeads + Math.floor(h / group)) * keys + j) * size;
          for (let d = 0; d < size; d++) dot += qv[qBase + d]! * kv[kBase + d]!;
          scores[((b * qHeads + h) * queries + i) * keys + j] = dot * scale;
        }
  const dims = [batch, qHeads, queries, keys];
  const modified = toNumbers(await modify(context, attributes, 'score_mod', fromNumbers(q.type, dims, scores)));
  const probabilities = new Float64Array(scores.length);
  for (let row = 0; row < batch * qHeads * queries; row++) {
    let max = -Infinity;
    for (let j = 0; j < keys; j++) max = Math.max(max, modified[row * keys + j]!);
    let sum = 0;
    for (let j = 0; j < keys; j++) sum += probabilities[row * keys + j] = Math.exp(modified[row * keys + j]! - max);
    for (let j = 0; j < keys; j++) probabilities[row * keys + j] = probabilities[row * keys + j]! / sum;
  }
  const probs = toNumbers(await modify(context, attributes, 'prob_mod', fromNumbers(q.type, dims, probabilities)));
  const out = new Float64Array(batch * qHeads * queries * valueSize);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < qHeads; h++)
      for (let i = 0; i < queries; i++) {
        const row = (b * qHeads + h) * queries + i;
        for (let j = 0; j < keys; j++) {
          const p = probs[row * keys + j]!;
          const vBase = ((b * kvHeads + Math.floor(h / group)) * keys + j) * valueSize;
          for (let d = 0; d < valueSize; d++) out[row * valueSize + d] = out[row * valueSize + d]! + p * vv[vBase + d]!;
        }
      }
  return [fromNumbers(q.type, [batch, qHeads, queries, valueSize], out)];
}

export const op = defineOp('FlexAttention', 1, flexAttention, Infinity, 'ai.onnx.preview');

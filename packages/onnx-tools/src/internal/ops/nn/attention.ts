// Attention (opset 23+): scaled dot-product attention over 4-D [batch, heads, sequence, head_size]
// or 3-D [batch, sequence, hidden] inputs, with a KV cache (past/present), grouped-query heads,
// a boolean or additive mask (shorter masks are padded with "masked"), causal masking aligned to
// the bottom right, softcap, per-batch valid KV lengths (opset 24) and the optional QK output.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

/** A 4-D view [batch, heads, sequence, size] over values stored either 4-D or 3-D [batch, sequence, heads * size]. */
interface Heads {
  values: ArrayLike<number>;
  batch: number;
  heads: number;
  sequence: number;
  size: number;
  /** Stored as [batch, sequence, heads * size]. */
  packed: boolean;
}

function headsOf(context: OpContext, t: Tensor, name: string, headCount: number | undefined): Heads {
  const values = toNumbers(t);
  if (t.dims.length === 4) {
    const [batch, heads, sequence, size] = t.dims as [number, number, number, number];
    return { values, batch, heads, sequence, size, packed: false };
  }
  if (t.dims.length !== 3 || !headCount || t.dims[2]! % headCount !== 0) {
    throw evaluateError(context, `${name} must be 4-D, or 3-D with a hidden size divisible by the head count attribute`, {
      expected: '[batch, heads, sequence, head_size] or [batch, sequence, heads * head_size] with q_num_heads / kv_num_heads',
      found: `[${t.dims.join(', ')}] (heads attribute ${headCount ?? 'missing'})`,
    });
  }
  const [batch, sequence, hidden] = t.dims as [number, number, number];
  return { values, batch, heads: headCount, sequence, size: hidden / headCount, packed: true };
}

function at(h: Heads, b: number, head: number, s: number, k: number): number {
  return h.packed ? h.values[((b * h.sequence + s) * h.heads + head) * h.size + k]! : h.values[((b * h.heads + head) * h.sequence + s) * h.size + k]!;
}

/** Concatenates an optional 4-D cache with the new keys or values along the sequence axis (4-D result). */
function withCache(past: Tensor | undefined, current: Heads): Heads {
  const pastValues = past ? toNumbers(past) : undefined;
  const pastLength = past ? past.dims[2]! : 0;
  const sequence = pastLength + current.sequence;
  const out = new Float64Array(current.batch * current.heads * sequence * current.size);
  for (let b = 0; b < current.batch; b++)
    for (let h = 0; h < current.heads; h++)
      for (let s = 0; s < sequence; s++)
        for (let k = 0; k < current.size; k++) {
          const value = s < pastLength ? pastValues![((b * current.heads + h) * pastLength + s) * current.size + k]! : at(current, b, h, s - pastLength, k);
          out[((b * current.heads + h) * sequence + s) * current.size + k] = value;
        }
  return { values: out, batch: current.batch, heads: current.heads, sequence, size: current.size, packed: false };
}

/** The additive mask value at [b, h, i, j]: the mask broadcast from the right; columns past its end are masked. */
function maskReader(mask: Tensor | undefined): (b: number, h: number, i: number, j: number) => number {
  if (!mask) return () => 0;
  const values = toNumbers(mask);
  const isBool = mask.type === 'bool';
  const dims = [...new Array<number>(4 - mask.dims.length).fill(1), ...mask.dims];
  const [d0, d1, d2, d3] = dims as [number, number, number, number];
  return (b, h, i, j) => {
    if (j >= d3) return -Infinity;
    const v = values[(((d0 === 1 ? 0 : b) * d1 + (d1 === 1 ? 0 : h)) * d2 + (d2 === 1 ? 0 : i)) * d3 + j]!;
    return isBool ? (v ? 0 : -Infinity) : v;
  };
}

function attention(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): (Tensor | undefined)[] {
  const [q, k, v] = [0, 1, 2].map((i) => requireInput(context, inputs, i));
  expectType(context, q!, FLOAT_TYPES);
  const [mask, pastKey, pastValue] = [inputs[3], inputs[4], inputs[5]];
  const nonPad = context.opset >= 24 && inputs[6] ? readInts(inputs[6]) : undefined;
  const Q = headsOf(context, q!, 'Q', intAttr(attributes, 'q_num_heads'));
  const K = withCache(pastKey, headsOf(context, k!, 'K', intAttr(attributes, 'kv_num_heads')));
  const V = withCache(pastValue, headsOf(context, v!, 'V', intAttr(attributes, 'kv_num_heads')));
  if (Q.heads % K.heads !== 0 || K.heads !== V.heads || Q.size !== K.size || K.sequence !== V.sequence) {
    throw evaluateError(context, 'Q, K and V heads do not fit together', {
      expected: 'q_heads a multiple of kv_heads, K and V with the same heads and sequence, Q and K with the same head size',
      found: `Q ${Q.heads}x${Q.size}, K ${K.heads}x${K.size} (sequence ${K.sequence}), V ${V.heads}x${V.size} (sequence ${V.sequence})`,
    });
  }
  const scale = floatAttr(attributes, 'scale') ?? 1 / Math.sqrt(Q.size);
  const softcap = floatAttr(attributes, 'softcap', 0);
  const causal = intAttr(attributes, 'is_causal', 0) === 1;
  const qkMode = intAttr(attributes, 'qk_matmul_output_mode', 0);
  const pastLength = pastKey ? pastKey.dims[2]! : 0;
  const bias = maskReader(mask);
  const [batch, qLength, kvLength] = [Q.batch, Q.sequence, K.sequence];
  const group = Q.heads / K.heads;
  const y = new Float64Array(batch * Q.heads * qLength * V.size);
  const qk = new Float64Array(batch * Q.heads * qLength * kvLength);
  const scores = new Float64Array(kvLength);
  for (let b = 0; b < batch; b++) {
    // Causal masking lets query i see key j when j <= i + offset (the keys before this query block).
    const offset = pastKey || !nonPad ? pastLength : nonPad[b]! - qLength;
    const valid = nonPad ? nonPad[b]! : kvLength;
    for (let h = 0; h < Q.heads; h++) {
      const kvHead = Math.floor(h / group);
      for (let i = 0; i < qLength; i++) {
        let max = -Infinity;
        const row = ((b * Q.heads + h) * qLength + i) * kvLength;
        for (let j = 0; j < kvLength; j++) {
          let dot = 0;
          for (let d = 0; d < Q.size; d++) dot += at(Q, b, h, i, d) * at(K, b, kvHead, j, d);
          let s = dot * scale;
          if (softcap > 0) s = softcap * Math.tanh(s / softcap);
          let masked = s + bias(b, h, i, j);
          if ((causal && j > i + offset) || j >= valid) masked = -Infinity;
          qk[row + j] = qkMode === 2 ? masked : s;
          scores[j] = masked;
          if (masked > max) max = masked;
        }
        // A row with every key masked attends to nothing: its probabilities are 0, not NaN.
        let sum = 0;
        for (let j = 0; j < kvLength; j++) sum += scores[j] = max === -Infinity ? 0 : Math.exp(scores[j]! - max);
        for (let j = 0; j < kvLength; j++) {
          const p = sum === 0 ? 0 : scores[j]! / sum;
          if (qkMode === 3) qk[row + j] = p;
          scores[j] = p;
        }
        const out = ((b * Q.heads + h) * qLength + i) * V.size;
        for (let j = 0; j < kvLength; j++) {
          const p = scores[j]!;
          if (p === 0) continue;
          for (let d = 0; d < V.size; d++) y[out + d] = y[out + d]! + p * at(V, b, kvHead, j, d);
        }
      }
    }
  }
  const type = q!.type;
  let output = fromNumbers(type, [batch, Q.heads, qLength, V.size], y);
  if (Q.packed) output = fromNumbers(type, [batch, qLength, Q.heads * V.size], transposeHeads(y, batch, Q.heads, qLength, V.size));
  const cacheType = k!.type;
  return [
    output,
    fromNumbers(cacheType, [batch, K.heads, kvLength, K.size], K.values),
    fromNumbers(v!.type, [batch, V.heads, kvLength, V.size], V.values),
    fromNumbers(type, [batch, Q.heads, qLength, kvLength], qk),
  ];
}

/** [batch, heads, sequence, size] -> [batch, sequence, heads * size]. */
function transposeHeads(values: Float64Array, batch: number, heads: number, sequence: number, size: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let s = 0; s < sequence; s++)
        for (let d = 0; d < size; d++) out[((b * sequence + s) * heads + h) * size + d] = values[((b * heads + h) * sequence + s) * size + d]!;
  return out;
}

export const op = defineOp('Attention', 23, attention);

// LinearAttention (opset 27): recurrent linear attention over [batch, time, heads * size] inputs
// with a per-head state S [key size, value size] (past_state, zeros when absent). Per step:
//   gated / gated_delta: S = S * exp(decay) (per key row; decay per head or per head and row)
//   linear / gated:      S = S + k (x) v
//   delta / gated_delta: S = S + k (x) beta * (v - S^T k)
//   output = scale * q S   (scale defaults to 1 / sqrt(key size))
// Query heads share key/value heads in groups (grouped-query attention). present_state is S.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

const RULES = ['linear', 'gated', 'delta', 'gated_delta'];

function linearAttention(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const [q, k, v] = [0, 1, 2].map((i) => requireInput(context, inputs, i)) as [Tensor, Tensor, Tensor];
  expectType(context, q, FLOAT_TYPES);
  const rule = stringAttr(attributes, 'update_rule', 'gated_delta');
  const qHeads = intAttr(attributes, 'q_num_heads', 0);
  const kvHeads = intAttr(attributes, 'kv_num_heads', 0);
  const [batch, steps] = q.dims as [number, number];
  const fits = q.dims.length === 3 && k.dims.length === 3 && v.dims.length === 3 && qHeads > 0 && kvHeads > 0 && qHeads % kvHeads === 0 &&
    q.dims[2]! % qHeads === 0 && k.dims[2]! % kvHeads === 0 && v.dims[2]! % kvHeads === 0;
  if (!RULES.includes(rule) || !fits) {
    throw evaluateError(context, 'needs 3-D query/key/value whose last axes split into q_num_heads / kv_num_heads heads, and a known update_rule', {
      expected: `update_rule in ${RULES.join(', ')}`,
      found: `${rule}; query [${q.dims.join(', ')}], key [${k.dims.join(', ')}], value [${v.dims.join(', ')}], heads ${qHeads}/${kvHeads}`,
    });
  }
  const keySize = k.dims[2]! / kvHeads;
  const valueSize = v.dims[2]! / kvHeads;
  if (q.dims[2]! / qHeads !== keySize) throw evaluateError(context, 'query and key head sizes differ', { found: `${q.dims[2]! / qHeads} and ${keySize}` });
  const gated = rule === 'gated' || rule === 'gated_delta';
  const delta = rule === 'delta' || rule === 'gated_delta';
  const decay = gated ? requireInput(context, inputs, 4) : undefined;
  const beta = delta ? requireInput(context, inputs, 5) : undefined;
  const scale = floatAttr(attributes, 'scale') ?? 1 / Math.sqrt(keySize);
  const [qv, kv, vv] = [toNumbers(q), toNumbers(k), toNumbers(v)];
  const decayValues = decay ? toNumbers(decay) : undefined;
  const decayPerRow = decay ? decay.dims[2] === kvHeads * keySize : false;
  const betaValues = beta ? toNumbers(beta) : undefined;
  const betaWidth = beta ? beta.dims[2]! : 1;
  const state = new Float64Array(batch * kvHeads * keySize * valueSize);
  if (inputs[3]) state.set(toNumbers(inputs[3]));
  const out = new Float64Array(batch * steps * qHeads * valueSize);
  const group = qHeads / kvHeads;
  const retrieved = new Float64Array(valueSize);
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < steps; t++) {
      const row = b * steps + t;
      for (let h = 0; h < kvHeads; h++) {
        const s = (b * kvHeads + h) * keySize * valueSize;
        const kAt = (i: number) => kv[(row * kvHeads + h) * keySize + i]!;
        if (decayValues) {
          for (let i = 0; i < keySize; i++) {
            const g = Math.exp(decayValues[decayPerRow ? (row * kvHeads + h) * keySize + i : row * kvHeads + h]!);
            for (let j = 0; j < valueSize; j++) state[s + i * valueSize + j] = state[s + i * valueSize + j]! * g;
          }
        }
        // The value written for this key: v itself, or the delta rule's correction beta * (v - S^T k).
        const betaT = betaValues ? betaValues[row * betaWidth + (betaWidth === 1 ? 0 : h)]! : 1;
        for (let j = 0; j < valueSize; j++) {
          let r = 0;
          if (delta) for (let i = 0; i < keySize; i++) r += state[s + i * valueSize + j]! * kAt(i);
          const value = vv[(row * kvHeads + h) * valueSize + j]!;
          retrieved[j] = delta ? betaT * (value - r) : value;
        }
        for (let i = 0; i < keySize; i++) for (let j = 0; j < valueSize; j++) state[s + i * valueSize + j] = state[s + i * valueSize + j]! + kAt(i) * retrieved[j]!;
        for (let g = 0; g < group; g++) {
          const qh = h * group + g;
          for (let j = 0; j < valueSize; j++) {
            let sum = 0;
            for (let i = 0; i < keySize; i++) sum += qv[(row * qHeads + qh) * keySize + i]! * state[s + i * valueSize + j]!;
            out[(row * qHeads + qh) * valueSize + j] = scale * sum;
          }
        }
      }
    }
  return [fromNumbers(q.type, [batch, steps, qHeads * valueSize], out), fromNumbers(q.type, [batch, kvHeads, keySize, valueSize], state)];
}

export const op = defineOp('LinearAttention', 27, linearAttention);

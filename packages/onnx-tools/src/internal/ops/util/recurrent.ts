// RNN, GRU and LSTM share one driver: forward, reverse, bidirectional; layout 0/1; sequence_lens;
// clip; peepholes; per-direction activations.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, floatsAttr, intAttr, requireInput, stringAttr, stringsAttr } from './attributes.js';
import { fromNumbers, toNumbers } from './dtype.js';
import { evaluateError } from './errors.js';

export type RecurrentKind = 'RNN' | 'GRU' | 'LSTM';
type Activation = (v: number) => number;

const GATES: Record<RecurrentKind, number> = { RNN: 1, GRU: 3, LSTM: 4 };
const DEFAULT_ACTIVATIONS: Record<RecurrentKind, string[]> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };

function activation(context: OpContext, name: string, alpha: number | undefined, beta: number | undefined): Activation {
  switch (name.toLowerCase()) {
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (v) => 1 / (1 + Math.exp(-v));
    case 'relu': return (v) => Math.max(0, v);
    case 'affine': return (v) => (alpha ?? 1) * v + (beta ?? 0);
    case 'leakyrelu': return (v) => (v >= 0 ? v : (alpha ?? 0.01) * v);
    case 'thresholdedrelu': return (v) => (v > (alpha ?? 1) ? v : 0);
    case 'scaledtanh': return (v) => (alpha ?? 1) * Math.tanh((beta ?? 1) * v);
    case 'hardsigmoid': return (v) => Math.max(0, Math.min(1, (alpha ?? 0.2) * v + (beta ?? 0.5)));
    case 'elu': return (v) => (v >= 0 ? v : (alpha ?? 1) * Math.expm1(v));
    case 'softsign': return (v) => v / (1 + Math.abs(v));
    case 'softplus': return (v) => Math.log1p(Math.exp(v));
    default: throw evaluateError(context, 'unsupported recurrent activation', { found: name });
  }
}

/** The op function of RNN, GRU or LSTM. */
export function recurrent(kind: RecurrentKind) {
  return (inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): (Tensor | undefined)[] => {
    const xTensor = requireInput(context, inputs, 0);
    const layout = intAttr(attributes, 'layout', 0);
    const [d0, d1, inputSize] = xTensor.dims as [number, number, number];
    const [seqLength, batch] = layout === 0 ? [d0, d1] : [d1, d0];
    const x = toNumbers(xTensor);
    const w = toNumbers(requireInput(context, inputs, 1));
    const r = toNumbers(requireInput(context, inputs, 2));
    const hidden = intAttr(attributes, 'hidden_size') ?? requireInput(context, inputs, 2).dims[2]!;
    const gates = GATES[kind];
    const direction = stringAttr(attributes, 'direction', 'forward');
    const directions = direction === 'bidirectional' ? 2 : 1;
    const b = inputs[3] ? toNumbers(inputs[3]) : undefined;
    const lengths = inputs[4] ? Array.from(toNumbers(inputs[4])) : new Array<number>(batch).fill(seqLength);
    const h0 = inputs[5] ? toNumbers(inputs[5]) : undefined;
    const c0 = kind === 'LSTM' && inputs[6] ? toNumbers(inputs[6]) : undefined;
    const peep = kind === 'LSTM' && inputs[7] ? toNumbers(inputs[7]) : undefined;
    const clip = floatAttr(attributes, 'clip');
    const linearBeforeReset = intAttr(attributes, 'linear_before_reset', 0) === 1;
    const inputForget = intAttr(attributes, 'input_forget', 0) === 1;
    const names = stringsAttr(attributes, 'activations') ?? [];
    const alphas = floatsAttr(attributes, 'activation_alpha') ?? [];
    const betas = floatsAttr(attributes, 'activation_beta') ?? [];
    const perDirection = DEFAULT_ACTIVATIONS[kind].length;
    const y = new Float64Array(seqLength * directions * batch * hidden);
    const yh = new Float64Array(directions * batch * hidden);
    const yc = new Float64Array(directions * batch * hidden);
    const gate = new Float64Array(gates * hidden);
    const clipped = (v: number) => (clip === undefined ? v : Math.max(-clip, Math.min(clip, v)));
    for (let dir = 0; dir < directions; dir++) {
      const reverse = direction === 'reverse' || dir === 1;
      const acts = DEFAULT_ACTIVATIONS[kind].map((fallback, i) => {
        const k = dir * perDirection + i;
        return activation(context, names[k] ?? fallback, names[k] ? alphas[k] : undefined, names[k] ? betas[k] : undefined);
      });
      const [f, g, h] = [acts[0]!, acts[1] ?? acts[0]!, acts[2] ?? acts[0]!];
      const wOffset = dir * gates * hidden * inputSize;
      const rOffset = dir * gates * hidden * hidden;
      const bOffset = dir * 2 * gates * hidden;
      for (let n = 0; n < batch; n++) {
        const state = new Float64Array(hidden);
        const cell = new Float64Array(hidden);
        for (let j = 0; j < hidden; j++) {
          state[j] = h0 ? h0[(dir * batch + n) * hidden + j]! : 0;
          cell[j] = c0 ? c0[(dir * batch + n) * hidden + j]! : 0;
        }
        const length = lengths[n]!;
        for (let step = 0; step < length; step++) {
          const t = reverse ? length - 1 - step : step;
          const xBase = layout === 0 ? (t * batch + n) * inputSize : (n * seqLength + t) * inputSize;
          // gate[g*hidden + j] = W x + Wb (+ R h + Rb, except GRU's hidden gate).
          const recurrentPart = new Float64Array(gates * hidden);
          for (let row = 0; row < gates * hidden; row++) {
            let sum = b ? b[bOffset + row]! : 0;
            for (let k = 0; k < inputSize; k++) sum += w[wOffset + row * inputSize + k]! * x[xBase + k]!;
            let rec = b ? b[bOffset + gates * hidden + row]! : 0;
            for (let k = 0; k < hidden; k++) rec += r[rOffset + row * hidden + k]! * state[k]!;
            gate[row] = sum;
            recurrentPart[row] = rec;
          }
          if (kind === 'RNN') for (let j = 0; j < hidden; j++) state[j] = f(clipped(gate[j]! + recurrentPart[j]!));
          else if (kind === 'GRU') {
            const next = new Float64Array(hidden);
            // The reset gate of every unit first: without linear_before_reset it gates the state
            // elementwise before the product with R_h, (r ⊙ H) R_h^T.
            const reset = Float64Array.from({ length: hidden }, (_, j) => f(clipped(gate[hidden + j]! + recurrentPart[hidden + j]!)));
            for (let j = 0; j < hidden; j++) {
              const z = f(clipped(gate[j]! + recurrentPart[j]!));
              let candidate: number;
              if (linearBeforeReset) candidate = g(clipped(gate[2 * hidden + j]! + reset[j]! * recurrentPart[2 * hidden + j]!));
              else {
                let rec = b ? b[bOffset + gates * hidden + 2 * hidden + j]! : 0;
                for (let k = 0; k < hidden; k++) rec += r[rOffset + (2 * hidden + j) * hidden + k]! * reset[k]! * state[k]!;
                candidate = g(clipped(gate[2 * hidden + j]! + rec));
              }
              next[j] = (1 - z) * candidate + z * state[j]!;
            }
            state.set(next);
          } else {
            const pOffset = dir * 3 * hidden;
            for (let j = 0; j < hidden; j++) {
              const pre = (q: number) => gate[q * hidden + j]! + recurrentPart[q * hidden + j]!;
              const i = f(clipped(pre(0) + (peep ? peep[pOffset + j]! * cell[j]! : 0)));
              let forget = f(clipped(pre(2) + (peep ? peep[pOffset + 2 * hidden + j]! * cell[j]! : 0)));
              if (inputForget) forget = 1 - i;
              const c = g(clipped(pre(3)));
              cell[j] = forget * cell[j]! + i * c;
              const o = f(clipped(pre(1) + (peep ? peep[pOffset + hidden + j]! * cell[j]! : 0)));
              state[j] = o * h(cell[j]!);
            }
          }
          for (let j = 0; j < hidden; j++) {
            const yIndex = layout === 0 ? ((t * directions + dir) * batch + n) * hidden + j : ((n * seqLength + t) * directions + dir) * hidden + j;
            y[yIndex] = state[j]!;
          }
        }
        const finalIndex = layout === 0 ? (dir * batch + n) * hidden : (n * directions + dir) * hidden;
        yh.set(state, finalIndex);
        yc.set(cell, finalIndex);
      }
    }
    const type = xTensor.type;
    const yDims = layout === 0 ? [seqLength, directions, batch, hidden] : [batch, seqLength, directions, hidden];
    const stateDims = layout === 0 ? [directions, batch, hidden] : [batch, directions, hidden];
    const outputs = [fromNumbers(type, yDims, y), fromNumbers(type, stateDims, yh)];
    if (kind === 'LSTM') outputs.push(fromNumbers(type, stateDims, yc));
    return outputs;
  };
}


// f32_lstm and f32_gru through the executor: the scalar variant against a JS reference, every
// fast variant against the scalar one, over hidden sizes around the vector widths, directions,
// sequence lengths, peepholes, clip, linear_before_reset and initial states.
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import type { NativeTensor } from '../../src/index.js';
import { allIsas, expectClose, randomFloats, rng } from '../helpers/harness.js';

interface RnnCase {
  lstm: boolean; seq: number; batch: number; input: number; hidden: number; direction: 0 | 1 | 2;
  bias?: boolean; lens?: number[]; h0?: boolean; c0?: boolean; peepholes?: boolean; clip?: number; lbr?: boolean;
}
type Data = Record<'x' | 'w' | 'r' | 'b' | 'h0' | 'c0' | 'p', Float32Array>;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function makeData(c: RnnCase, random: () => number): Data {
  const dirs = c.direction === 2 ? 2 : 1;
  const gh = (c.lstm ? 4 : 3) * c.hidden;
  return {
    x: randomFloats(c.seq * c.batch * c.input, random, -1, 1),
    w: randomFloats(dirs * gh * c.input, random, -0.6, 0.6),
    r: randomFloats(dirs * gh * c.hidden, random, -0.6, 0.6),
    b: randomFloats(dirs * 2 * gh, random, -0.5, 0.5),
    h0: randomFloats(dirs * c.batch * c.hidden, random, -1, 1),
    c0: randomFloats(dirs * c.batch * c.hidden, random, -1, 1),
    p: randomFloats(dirs * 3 * c.hidden, random, -0.5, 0.5),
  };
}

/** Plain JS LSTM / GRU (ONNX equations, default activations). Returns Y, Y_h, Y_c. */
function reference(c: RnnCase, d: Data): Float32Array[] {
  const { seq, batch, input: I, hidden: H } = c;
  const dirs = c.direction === 2 ? 2 : 1;
  const G = c.lstm ? 4 : 3;
  const clip = (v: number) => (c.clip ? Math.min(Math.max(v, -c.clip), c.clip) : v);
  const Y = new Float32Array(seq * dirs * batch * H);
  const Yh = new Float32Array(dirs * batch * H);
  const Yc = new Float32Array(dirs * batch * H);
  for (let dir = 0; dir < dirs; dir++) {
    const reverse = c.direction === 1 || dir === 1;
    const w = (g: number, i: number) => d.w[(dir * G * H + g) * I + i]!;
    const r = (g: number, j: number) => d.r[(dir * G * H + g) * H + j]!;
    const wb = (g: number) => (c.bias ? d.b[dir * 2 * G * H + g]! : 0);
    const rb = (g: number) => (c.bias ? d.b[dir * 2 * G * H + G * H + g]! : 0);
    for (let b = 0; b < batch; b++) {
      let h = Array.from({ length: H }, (_, j) => (c.h0 ? d.h0[(dir * batch + b) * H + j]! : 0));
      let cell = Array.from({ length: H }, (_, j) => (c.c0 ? d.c0[(dir * batch + b) * H + j]! : 0));
      const len = c.lens ? c.lens[b]! : seq;
      for (let s = 0; s < seq; s++) {
        const t = reverse ? seq - 1 - s : s;
        if (t >= len) continue;
        const xw = (g: number) => {
          let sum = wb(g);
          for (let i = 0; i < I; i++) sum += d.x[(t * batch + b) * I + i]! * w(g, i);
          return sum;
        };
        const hr = (g: number, state: number[]) => {
          let sum = rb(g);
          for (let j = 0; j < H; j++) sum += state[j]! * r(g, j);
          return sum;
        };
        if (c.lstm) {
          const p = (k: number, j: number) => (c.peepholes ? d.p[dir * 3 * H + k * H + j]! : 0);
          const nextC = cell.map((cj, j) => {
            const i = sigmoid(clip(xw(j) + hr(j, h) + p(0, j) * cj));
            const f = sigmoid(clip(xw(2 * H + j) + hr(2 * H + j, h) + p(2, j) * cj));
            return f * cj + i * Math.tanh(clip(xw(3 * H + j) + hr(3 * H + j, h)));
          });
          h = nextC.map((cj, j) => sigmoid(clip(xw(H + j) + hr(H + j, h) + p(1, j) * cj)) * Math.tanh(cj));
          cell = nextC;
        } else {
          const z = h.map((_, j) => sigmoid(clip(xw(j) + hr(j, h))));
          const rr = h.map((_, j) => sigmoid(clip(xw(H + j) + hr(H + j, h))));
          const candidate = h.map((_, j) => {
            if (c.lbr) return Math.tanh(clip(xw(2 * H + j) + rr[j]! * hr(2 * H + j, h)));
            const gated = h.map((v, k) => v * rr[k]!);
            return Math.tanh(clip(xw(2 * H + j) + hr(2 * H + j, gated)));
          });
          h = h.map((v, j) => (1 - z[j]!) * candidate[j]! + z[j]! * v);
        }
        Y.set(h, ((t * dirs + dir) * batch + b) * H);
      }
      Yh.set(h, (dir * batch + b) * H);
      Yc.set(cell, (dir * batch + b) * H);
    }
  }
  return c.lstm ? [Y, Yh, Yc] : [Y, Yh];
}

/** Runs the layer (`runs` times on one context); with `weights`, W and R are engine weights, not inputs. */
function run(c: RnnCase, d: Data, kernel: string, { weights = false, runs = 1 } = {}): Float32Array[] {
  const dirs = c.direction === 2 ? 2 : 1;
  const gh = (c.lstm ? 4 : 3) * c.hidden;
  const state = [dirs, c.batch, c.hidden];
  const inputs: Array<[Float32Array | Int32Array, number[]]> = [[d.x, [c.seq, c.batch, c.input]], [d.w, [dirs, gh, c.input]], [d.r, [dirs, gh, c.hidden]]];
  if (c.bias) inputs.push([d.b, [dirs, 2 * gh]]);
  if (c.lens) inputs.push([Int32Array.from(c.lens), [c.batch]]);
  if (c.h0) inputs.push([d.h0, state]);
  if (c.lstm && c.c0) inputs.push([d.c0, state]);
  if (c.lstm && c.peepholes) inputs.push([d.p, [dirs, 3 * c.hidden]]);
  const outShapes = [[c.seq, dirs, c.batch, c.hidden], state, ...(c.lstm ? [state] : [])];
  // W and R as weights: one buffer, R at a 64-byte boundary; the other inputs keep their slots.
  const rOffset = Math.ceil((d.w.length * 4) / 64) * 64;
  const weightBytes = new Uint8Array(rOffset + d.r.length * 4);
  new Float32Array(weightBytes.buffer, 0, d.w.length).set(d.w);
  new Float32Array(weightBytes.buffer, rOffset, d.r.length).set(d.r);
  const bound = weights ? inputs.filter((_, i) => i !== 1 && i !== 2) : inputs;
  const tensors: NativeTensor[] = [
    ...inputs.map(([data, shape], i): NativeTensor => {
      if (weights && (i === 1 || i === 2)) return { dtype: 'float32', shape, location: 'weights', offset: i === 1 ? 0 : rOffset };
      return { dtype: data instanceof Int32Array ? 'int32' : 'float32', shape, location: 'input', slot: bound.indexOf(inputs[i]!) };
    }),
    ...outShapes.map((shape, slot): NativeTensor => ({ dtype: 'float32', shape, location: 'output', slot })),
  ];
  const flags = c.lstm
    ? [c.bias, c.lens, c.h0, c.c0, c.peepholes, 1, 1, 1]
    : [c.lbr, c.bias, c.lens, c.h0, 1, 1];
  const params = [c.direction, c.hidden, c.clip ?? 0, ...flags.map((f) => (f ? 1 : 0))];
  const layer = { kernel, inputs: inputs.map((_, i) => i), outputs: outShapes.map((_, i) => inputs.length + i), params };
  const outs = outShapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
  const context = createEngine({ arenaBytes: 0, tensors, layers: [layer] }, weights ? weightBytes : undefined).createContext();
  for (let i = 0; i < runs; i++) {
    outs.forEach((out) => out.fill(Number.NaN));
    context.runSync(bound.map(([data]) => data), outs);
  }
  return outs;
}

const CASES: RnnCase[] = [];
for (const lstm of [true, false]) {
  for (const hidden of [1, 3, 8, 16, 17, 33]) CASES.push({ lstm, seq: 4, batch: 2, input: 5, hidden, direction: 0, bias: true });
  CASES.push({ lstm, seq: 5, batch: 3, input: 7, hidden: 9, direction: 1, bias: true, h0: true, c0: true });
  CASES.push({ lstm, seq: 6, batch: 3, input: 4, hidden: 20, direction: 2, bias: true, lens: [6, 2, 0], h0: true, c0: true, peepholes: true });
  CASES.push({ lstm, seq: 3, batch: 1, input: 3, hidden: 12, direction: 0, clip: 0.4, peepholes: true });
  if (!lstm) CASES.push({ lstm, seq: 5, batch: 2, input: 6, hidden: 10, direction: 2, bias: true, lbr: true, lens: [3, 5], h0: true });
}
const label = (c: RnnCase) => `${c.lstm ? 'LSTM' : 'GRU'} seq ${c.seq} batch ${c.batch} hidden ${c.hidden} dir ${c.direction}${c.lens ? ' lens' : ''}${c.peepholes && c.lstm ? ' peepholes' : ''}${c.clip ? ' clip' : ''}${c.lbr ? ' lbr' : ''}`;

describe.each([{ isa: 'scalar', runnable: true }, ...allIsas('f32_lstm')])('f32_lstm / f32_gru __$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable).each(CASES.map((c) => ({ c, name: label(c) })))('$name', ({ c }) => {
    const data = makeData(c, rng());
    const kernel = `${c.lstm ? 'f32_lstm' : 'f32_gru'}__${isa}`;
    const got = run(c, data, kernel);
    const expected = isa === 'scalar' ? reference(c, data) : run(c, data, kernel.replace(`__${isa}`, '__scalar'));
    got.forEach((output, k) => expectClose(output, expected[k]!, `${label(c)} ${isa} output ${k}`, 2e-5, 1e-4));
  });
});

describe.each([{ isa: 'scalar', runnable: true }, ...allIsas('f32_lstm')])('f32_lstm / f32_gru __$isa, W and R as weights', ({ isa, runnable }) => {
  // Packed (and transposed) once on the first run, then reused: the second run must agree too.
  it.skipIf(!runnable).each(CASES.map((c) => ({ c, name: label(c) })))('$name', ({ c }) => {
    const data = makeData(c, rng());
    const kernel = `${c.lstm ? 'f32_lstm' : 'f32_gru'}__${isa}`;
    const expected = run(c, data, kernel);
    run(c, data, kernel, { weights: true, runs: 2 }).forEach((output, k) => expectClose(output, expected[k]!, `${label(c)} ${isa} weights output ${k}`, 1e-6, 1e-6));
  });
});

describe('f32_lstm / f32_gru validation', () => {
  it('rejects sequence lengths past the sequence and malformed layers with coded errors', () => {
    const c: RnnCase = { lstm: true, seq: 3, batch: 2, input: 2, hidden: 4, direction: 0, lens: [3, 4] };
    const data = makeData(c, rng());
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return KilnError.isInstance(error) ? error.code : String(error);
      }
      return 'no error';
    };
    expect(code(() => run(c, data, 'f32_lstm'))).toBe('ERR_INDEX_OUT_OF_RANGE');
    expect(code(() => run({ ...c, lens: undefined, direction: 2 }, data, 'f32_lstm'))).toBe('ERR_BINDING_INVALID');
    expect(code(() => run({ ...c, lens: undefined, clip: -1 }, data, 'f32_lstm'))).toBe('ERR_PROGRAM_INVALID');
    expect(code(() => run({ ...c, lens: undefined, lstm: false }, data, 'f32_lstm'))).toBe('ERR_PROGRAM_INVALID');
  });
});

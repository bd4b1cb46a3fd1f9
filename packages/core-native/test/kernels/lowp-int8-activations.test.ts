// int8 activations between layers: uint8 arena tensors written by a qu8 conv (requantized in its
// epilogue), read by qu8_dwconv (every variant), qu8_maxpool2d_nhwc and a qu8 conv (1x1 GEMM
// path and 3x3 im2col with padding), checked against the same layers with fp32 in between: the uint8 tensor must be
// exactly the quantization of the fp32 one, and a consumer reading it must match the consumer
// quantizing the dequantized fp32 values. Plus the coded errors for uint8 tensors in bad places.
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, createEngine, packWeights } from '../../src/index.js';
import { variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

const [H, W, C_IN, C] = [9, 11, 24, 40];
const GRID_X = { scale: 0.03, zeroPoint: 128 };
const GRID_T = { scale: 0.05, zeroPoint: 7 };
const GRID_U = { scale: 0.02, zeroPoint: 0 };
const random = rng(811);
const x = randomFloats(H * W * C_IN, random, -2, 2);
const w1 = randomFloats(C * C_IN, random, -0.3, 0.3);
const wdw = randomFloats(C * 9, random, -0.6, 0.6);
const biasDw = randomFloats(C, random, -0.2, 0.2);
const w2 = randomFloats(16 * C * 9, random, -0.1, 0.1);
const RELU6 = [{ op: 'Clip', alpha: 0, beta: 6 }] as NativeProgram['layers'][number]['epilogue'];

interface Layer {
  kernel: string;
  /** Weights packed for the kernel, then optional bias. */
  packed: Float32Array;
  bias?: Float32Array;
  params: number[];
  epilogue?: NativeProgram['layers'][number]['epilogue'];
  y: { dtype: 'float32' | 'uint8'; shape: number[] };
  /** Adds a residual: the output of layer `from` of the chain, or the chain's second input ('input'). */
  residual?: number | 'input';
}

/** One fp32 input through `layers` in a chain; intermediate tensors live in the arena. */
function chain(input: Float32Array, inShape: number[], layers: Layer[], second?: { data: Float32Array; shape: number[] }): Float32Array {
  const tensors: NativeTensor[] = [{ dtype: 'float32', shape: inShape, location: 'input', slot: 0 }];
  if (second) tensors.push({ dtype: 'float32', shape: second.shape, location: 'input', slot: 1 });
  const outputOf: number[] = [];
  const blobs: Float32Array[] = [];
  let weightFloats = 0;
  const weight = (data: Float32Array) => {
    tensors.push({ dtype: 'float32', shape: [data.length], location: 'weights', offset: weightFloats * 4 });
    blobs.push(data);
    weightFloats += Math.ceil(data.length / 16) * 16;
    return tensors.length - 1;
  };
  let arena = 0;
  let previous = 0;
  const programLayers: NativeProgram['layers'] = [];
  layers.forEach((layer, i) => {
    const residual = layer.residual === undefined ? [] : [layer.residual === 'input' ? 1 : outputOf[layer.residual]!];
    const inputs = [previous, ...(layer.packed.length > 0 ? [weight(layer.packed)] : []), ...(layer.bias ? [weight(layer.bias)] : []), ...residual];
    const last = i === layers.length - 1;
    const bytes = layer.y.shape.reduce((a, b) => a * b, 1) * (layer.y.dtype === 'uint8' ? 1 : 4);
    tensors.push(last ? { ...layer.y, location: 'output', slot: 0 } : { ...layer.y, location: 'arena', offset: arena });
    if (!last) arena += Math.ceil(bytes / 64) * 64;
    previous = tensors.length - 1;
    outputOf.push(previous);
    programLayers.push({ kernel: layer.kernel, inputs, outputs: [previous], params: layer.params, ...(layer.epilogue ? { epilogue: layer.epilogue } : {}) });
  });
  const weights = new Float32Array(weightFloats);
  let at = 0;
  for (const blob of blobs) {
    weights.set(blob, at);
    at += Math.ceil(blob.length / 16) * 16;
  }
  const outShape = layers.at(-1)!.y.shape;
  const y = new Float32Array(outShape.reduce((a, b) => a * b, 1));
  createEngine({ arenaBytes: arena, tensors, layers: programLayers }, weights).createContext().runSync(second ? [input, second.data] : [input], [y]);
  return y;
}

const conv1x1 = (tactic: string, out: 'float32' | 'uint8'): Layer => ({
  kernel: tactic,
  packed: packWeights(tactic, [C, C_IN, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w1, { inputScale: GRID_X.scale, inputZeroPoint: GRID_X.zeroPoint }),
  params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, ...(out === 'uint8' ? [GRID_T.scale, GRID_T.zeroPoint] : [])],
  epilogue: RELU6,
  y: { dtype: out, shape: [1, H, W, C] },
});

const dwconv = (tactic: string, out: 'float32' | 'uint8'): Layer => ({
  kernel: tactic,
  packed: packWeights(tactic, [C, C, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, C], wdw),
  bias: biasDw,
  params: [3, 3, 2, 2, 1, 1, 1, 1, 1, 1, C, 1, 0, GRID_T.scale, GRID_T.zeroPoint, ...(out === 'uint8' ? [GRID_U.scale, GRID_U.zeroPoint] : [0, 0])],
  epilogue: RELU6,
  y: { dtype: out, shape: [1, 5, 6, C] },
});

const conv3x3 = (tactic: string, grid: { scale: number; zeroPoint: number }): Layer => ({
  kernel: tactic,
  packed: packWeights(tactic, [16, C, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1], w2, { inputScale: grid.scale, inputZeroPoint: grid.zeroPoint }),
  params: [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
  y: { dtype: 'float32', shape: [1, 5, 6, 16] },
});

/** requantize_row_u8's arithmetic: x * (1 / scale), round half even, + zero point, saturated. */
function quantize(values: Float32Array, grid: { scale: number; zeroPoint: number }): Float32Array {
  const inverse = Math.fround(1 / grid.scale);
  return values.map((v) => {
    const q = Math.fround(v * inverse);
    const r = Math.abs(q - Math.trunc(q)) === 0.5 ? 2 * Math.round(q / 2) : Math.round(q);
    return Math.min(255, Math.max(0, r + grid.zeroPoint));
  });
}

const dequantize = (q: Float32Array, grid: { scale: number; zeroPoint: number }) => q.map((v) => Math.fround((v - grid.zeroPoint) * grid.scale));

/**
 * qu8_dwconv's weights: per channel, scale = max|w| / 127 and w ~ scale * rne(w / scale) in
 * [-127, 127] (symmetric int8).
 */
function quantizedDepthwiseWeights(weights: Float32Array, taps: number): Float32Array {
  const out = new Float32Array(weights.length);
  for (let c = 0; c < weights.length / taps; c++) {
    let largest = 0;
    for (let t = 0; t < taps; t++) largest = Math.max(largest, Math.abs(weights[c * taps + t]!));
    const scale = Math.fround(largest / 127);
    for (let t = 0; t < taps; t++) {
      const q = scale > 0 ? Math.fround(weights[c * taps + t]! / scale) : 0;
      const r = Math.abs(q - Math.trunc(q)) === 0.5 ? 2 * Math.round(q / 2) : Math.round(q);
      out[c * taps + t] = Math.min(127, Math.max(-127, r)) * scale;
    }
  }
  return out;
}
const wdwQuantized = quantizedDepthwiseWeights(wdw, 9);

/** Depthwise 3x3 (qu8_dwconv's int8 weights), stride 2, pad 1, + bias, ReLU6, in float64 over NHWC [1, H, W, C]. */
function depthwiseReference(input: Float32Array): Float32Array {
  const out = new Float32Array(5 * 6 * C);
  for (let oh = 0; oh < 5; oh++) {
    for (let ow = 0; ow < 6; ow++) {
      for (let c = 0; c < C; c++) {
        let sum = biasDw[c]!;
        for (let kh = 0; kh < 3; kh++) {
          for (let kw = 0; kw < 3; kw++) {
            const ih = oh * 2 - 1 + kh;
            const iw = ow * 2 - 1 + kw;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) sum += input[(ih * W + iw) * C + c]! * wdwQuantized[c * 9 + kh * 3 + kw]!;
          }
        }
        out[(oh * 6 + ow) * C + c] = Math.min(6, Math.max(0, sum));
      }
    }
  }
  return out;
}

const convTactics = variantsOf('qu8_conv').runnable.filter((name) => name.includes('_1x1_'));
const im2colTactics = variantsOf('qu8_conv').runnable.filter((name) => name.includes('_im2col_'));
const dwTactics = variantsOf('qu8_dwconv').runnable;

describe('int8 activations between qu8 layers', () => {
  it('lists qu8_dwconv with a scalar reference', () => {
    expect(dwTactics).toContain('qu8_dwconv__scalar');
  });

  for (const conv of convTactics) {
    for (const dw of dwTactics) {
      it(`${conv} writes uint8, ${dw} reads it`, () => {
        const t = chain(x, [1, H, W, C_IN], [conv1x1(conv, 'float32')]);
        const expected = depthwiseReference(dequantize(quantize(t, GRID_T), GRID_T));
        const actual = chain(x, [1, H, W, C_IN], [conv1x1(conv, 'uint8'), dwconv(dw, 'float32')]);
        expectClose(actual, expected, `${conv} -> ${dw}`, 2e-5, 1e-5);
      });
    }
  }

  for (const conv of im2colTactics) {
    it(`qu8_dwconv writes uint8, ${conv} (3x3, padded) reads it as it would quantize fp32`, () => {
      const first = conv1x1(convTactics[0]!, 'uint8');
      const dwFloat = chain(x, [1, H, W, C_IN], [first, dwconv(dwTactics[0]!, 'float32')]);
      const u = dequantize(quantize(dwFloat, GRID_U), GRID_U);
      const expected = chain(u, [1, 5, 6, C], [conv3x3(conv, GRID_U)]);
      const actual = chain(x, [1, H, W, C_IN], [first, dwconv(dwTactics[0]!, 'uint8'), conv3x3(conv, GRID_U)]);
      expectClose(actual, expected, `dwconv -> ${conv}`, 1e-5, 1e-5);
    });
  }

  for (const pool of variantsOf('qu8_maxpool2d_nhwc').runnable) {
    it(`${pool} pools uint8 on the grid it reads (the max of quantized values is the quantized max)`, () => {
      const t = quantize(chain(x, [1, H, W, C_IN], [conv1x1(convTactics[0]!, 'float32')]), GRID_T);
      const pooled = new Float32Array(t.length);
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          for (let c = 0; c < C; c++) {
            let best = 0;
            for (let ih = Math.max(0, h - 1); ih <= Math.min(H - 1, h + 1); ih++) {
              for (let iw = Math.max(0, w - 1); iw <= Math.min(W - 1, w + 1); iw++) best = Math.max(best, t[(ih * W + iw) * C + c]!);
            }
            pooled[(h * W + w) * C + c] = best;
          }
        }
      }
      const maxpool: Layer = { kernel: pool, packed: new Float32Array(0), params: [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0], y: { dtype: 'uint8', shape: [1, H, W, C] } };
      const expected = depthwiseReference(dequantize(pooled, GRID_T));
      const actual = chain(x, [1, H, W, C_IN], [conv1x1(convTactics[0]!, 'uint8'), maxpool, dwconv(dwTactics[0]!, 'float32')]);
      expectClose(actual, expected, `${pool}`, 2e-5, 1e-5);
    });
  }

  for (const conv of convTactics) {
    it(`${conv} adds a uint8 residual (dequantized on its grid) and a fp32 one alike`, () => {
      // t = conv(x) on GRID_T; then y = conv'(t) + t, reading t as uint8 twice (input and residual).
      const second = (residual: number | 'input', input: 'float32' | 'uint8'): Layer => ({
        kernel: conv,
        packed: packWeights(conv, [C, C, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w2.subarray(0, C * C), { inputScale: GRID_T.scale, inputZeroPoint: GRID_T.zeroPoint }),
        params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, ...(input === 'uint8' ? [GRID_T.scale, GRID_T.zeroPoint] : [])],
        y: { dtype: 'float32', shape: [1, H, W, C] },
        residual,
      });
      const t = dequantize(quantize(chain(x, [1, H, W, C_IN], [conv1x1(conv, 'float32')]), GRID_T), GRID_T);
      const expected = chain(t, [1, H, W, C], [second('input', 'float32')], { data: t, shape: [1, H, W, C] });
      const actual = chain(x, [1, H, W, C_IN], [conv1x1(conv, 'uint8'), second(0, 'uint8')]);
      expectClose(actual, expected, `${conv} uint8 residual`, 1e-5, 1e-5);
    });
  }

  it('uint8 tensors only between qu8 layers, in the arena, with valid grids: coded errors otherwise', () => {
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return KilnError.isInstance(error) ? `${(error as KilnError).code}: ${(error as Error).message}` : String(error);
      }
      return 'no error';
    };
    // A uint8 engine output.
    const output = code(() => chain(x, [1, H, W, C_IN], [conv1x1(convTactics[0]!, 'uint8')]));
    expect(output).toMatch(/^ERR_PROGRAM_INVALID: .*arena/);
    // An f32 conv writing uint8.
    const f32 = { ...conv1x1(convTactics[0]!, 'uint8'), kernel: 'f32_conv', packed: packWeights('f32_conv', [C, C_IN, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w1) };
    expect(code(() => chain(x, [1, H, W, C_IN], [f32, dwconv(dwTactics[0]!, 'float32')]))).toMatch(/^ERR_PROGRAM_INVALID: Only qu8 layers/);
    // A bad output grid, and a qu8_dwconv reading fp32.
    const badGrid = { ...conv1x1(convTactics[0]!, 'uint8'), params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, -1, 300] };
    expect(code(() => chain(x, [1, H, W, C_IN], [badGrid, dwconv(dwTactics[0]!, 'float32')]))).toMatch(/^ERR_\w+: Invalid output quantization/);
    expect(code(() => chain(x, [1, H, W, C_IN], [conv1x1(convTactics[0]!, 'float32'), dwconv(dwTactics[0]!, 'float32')]))).toMatch(/^ERR_\w+: qu8_dwconv reads a uint8 input/);
  });
});

// Strided outputs of the reduced-precision GEMMs and convolutions (concat elimination in bf16 and
// int8 engines): every bf16 / f16 / qu8 conv variant (1x1, small-K, im2col, AMX, VNNI, AVX2,
// scalar, and the NCHW-input stem) and every lowp GEMM variant writes a channel range of a wider
// arena tensor through its row stride, for each output dtype it supports (fp32, bfloat16, uint8).
// The range must hold, bit for bit, what the same layer writes densely, and every byte outside it
// must keep what was there before. Then x_concat_view over strided bfloat16 / uint8 inputs, and
// the coded errors for strided narrow tensors in bad places.
import { KilnError } from '@kiln/common';
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeLayer, type NativeTensor, createEngine, getThreads, packWeights, setThreads } from '../../src/index.js';
import { variantsOf } from '../helpers/fused.js';
import { SEED, randomFloats, rng } from '../helpers/harness.js';

type DType = 'float32' | 'bfloat16' | 'uint8';
const BYTES: Record<DType, number> = { float32: 4, bfloat16: 2, uint8: 1 };
const CLIP: NativeLayer['epilogue'] = [{ op: 'Clip', alpha: -0.5, beta: 3 }];
const GRID_IN = { inputScale: 0.02, inputZeroPoint: 117 };
const GRID_OUT = [0.015, 9];
const ONE = { inputScale: 1, inputZeroPoint: 0, weightScales: new Float32Array([1]) };
const threadsBefore = getThreads();

/** Weights, back to back at 64-byte offsets, each a float32 'weights' tensor. */
class Program {
  tensors: NativeTensor[] = [];
  layers: NativeLayer[] = [];
  blobs: Float32Array[] = [];
  floats = 0;
  weight(data: Float32Array): number {
    this.tensors.push({ dtype: 'float32', shape: [data.length], location: 'weights', offset: this.floats * 4 });
    this.blobs.push(data);
    this.floats += Math.ceil(data.length / 16) * 16;
    return this.tensors.length - 1;
  }
  tensor(tensor: NativeTensor): number {
    this.tensors.push(tensor);
    return this.tensors.length - 1;
  }
  run(arenaBytes: number, inputs: Float32Array[], outputLength: number): Float32Array {
    const weights = new Float32Array(this.floats);
    let at = 0;
    for (const blob of this.blobs) {
      weights.set(blob, at);
      at += Math.ceil(blob.length / 16) * 16;
    }
    const y = new Float32Array(outputLength);
    createEngine({ arenaBytes, tensors: this.tensors, layers: this.layers }, weights).createContext().runSync(inputs, [y]);
    return y;
  }
}

const identity = (c: number) => {
  const w = new Float32Array(c * c);
  for (let i = 0; i < c; i++) w[i * c + i] = 1;
  return w;
};

/**
 * A layer that moves `c` channels exactly from `from` (fp32 or `dtype`) into `to` (fp32 or
 * `dtype`): x_copy for fp32, a 1x1 bf16 depthwise conv of weight 1 for bfloat16, a 1x1 qu8 conv of
 * identity weights on the unit grid (scale 1, zero point 0) for uint8. Values are integers in
 * 0..255, exact in every one of these dtypes.
 */
function move(p: Program, dtype: DType, c: number, from: number, to: number, toDtype: DType): void {
  if (dtype === 'float32') {
    p.layers.push({ kernel: 'x_copy__scalar', inputs: [from], outputs: [to] });
  } else if (dtype === 'bfloat16') {
    const packed = packWeights('bf16_dwconv__scalar', [c, c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c], new Float32Array(c).fill(1));
    p.layers.push({ kernel: 'bf16_dwconv__scalar', inputs: [from, p.weight(packed)], outputs: [to], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c, 0, 0] });
  } else {
    const kernel = 'qu8_conv_im2col_4x4c4__scalar';
    const packed = packWeights(kernel, [c, c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], identity(c), ONE);
    const grid = toDtype === 'uint8' ? [1, 0] : [];
    p.layers.push({ kernel, inputs: [from, p.weight(packed)], outputs: [to], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, ...grid] });
  }
}

interface Layer {
  kernel: string;
  /** The input binding's shape (NHWC; NCHW for qu8_conv_nchw; [M, K] for GEMMs). */
  inShape: number[];
  /** Output shape up to the last dim (the channels). */
  outer: number[];
  channels: number;
  packed: Float32Array;
  bias: Float32Array;
  /** Params before the output grid; the residual (if any) is an fp32 binding like the output. */
  params: number[];
  residual: boolean;
}

/**
 * Runs `layer` with its output (dtype `dtype`) either dense, or as channels [column, column +
 * channels) of a `width`-channel arena tensor prefilled with `fill`; returns the whole (dense: the
 * channels alone) tensor as fp32 values read back exactly.
 */
function runLayer(layer: Layer, dtype: DType, x: Float32Array, residual: Float32Array, strided?: { width: number; column: number; fill: Float32Array }): Float32Array {
  const p = new Program();
  const pixels = layer.outer.reduce((a, b) => a * b, 1);
  const width = strided?.width ?? layer.channels;
  const wide = [...layer.outer, width];
  const bytes = Math.ceil((pixels * width * BYTES[dtype]) / 64) * 64;
  const inputs = [x];
  const input = p.tensor({ dtype: 'float32', shape: layer.inShape, location: 'input', slot: 0 });
  const whole = p.tensor({ dtype, shape: wide, location: 'arena', offset: 0 });
  const result = p.tensor({ dtype: 'float32', shape: wide, location: 'output', slot: 0 });
  let target = whole;
  if (strided) {
    const fill = p.tensor({ dtype: 'float32', shape: wide, location: 'input', slot: inputs.length });
    inputs.push(strided.fill);
    move(p, dtype, width, fill, whole, dtype);
    target = p.tensor({ dtype, shape: [...layer.outer, layer.channels], location: 'arena', offset: strided.column * BYTES[dtype], rowStride: width });
  }
  const layerInputs = [input, p.weight(layer.packed), p.weight(layer.bias)];
  if (layer.residual) {
    layerInputs.push(p.tensor({ dtype: 'float32', shape: [...layer.outer, layer.channels], location: 'input', slot: inputs.length }));
    inputs.push(residual);
  }
  const grid = dtype === 'uint8' ? GRID_OUT : [];
  p.layers.push({ kernel: layer.kernel, inputs: layerInputs, outputs: [target], params: [...layer.params, ...grid], epilogue: CLIP });
  move(p, dtype, width, whole, result, 'float32');
  return p.run(bytes, inputs, pixels * width);
}

/** Runs dense and strided, and checks the column range against the dense run and the rest against the fill. */
function expectStrided(layer: Layer, dtype: DType, label: string): void {
  const random = rng(SEED + layer.channels);
  const x = randomFloats(layer.inShape.reduce((a, b) => a * b, 1), random, -2, 2);
  const pixels = layer.outer.reduce((a, b) => a * b, 1);
  const residual = randomFloats(pixels * layer.channels, random, -1, 1);
  const [width, column] = [layer.channels + 29, 13];
  const fill = Float32Array.from({ length: pixels * width }, () => Math.floor(random() * 256));
  const dense = runLayer(layer, dtype, x, residual);
  const strided = runLayer(layer, dtype, x, residual, { width, column, fill });
  for (let pixel = 0; pixel < pixels; pixel++) {
    for (let c = 0; c < width; c++) {
      const inside = c >= column && c < column + layer.channels;
      const want = inside ? dense[pixel * layer.channels + c - column]! : fill[pixel * width + c]!;
      const got = strided[pixel * width + c]!;
      if (!Object.is(got, want)) {
        throw new Error(`${label}: ${inside ? 'strided output' : 'byte outside the column range'} at pixel ${pixel}, channel ${c}: ${got} != ${want} (seed ${SEED}; KILN_TEST_SEED=${SEED} to repeat)`);
      }
    }
  }
}

interface Geometry {
  label: string;
  h: number;
  w: number;
  c: number;
  oc: number;
  k: number;
  stride: number;
  pad: number;
}

const GEOMETRIES: Geometry[] = [
  { label: '1x1 K=24 (small K), 99 rows', h: 9, w: 11, c: 24, oc: 37, k: 1, stride: 1, pad: 0 },
  { label: '1x1 K=64, 63 rows', h: 7, w: 9, c: 64, oc: 40, k: 1, stride: 1, pad: 0 },
  { label: '1x1 stride 2, K=20', h: 9, w: 11, c: 20, oc: 33, k: 1, stride: 2, pad: 0 },
  { label: '3x3 pad 1, K=216', h: 9, w: 11, c: 24, oc: 37, k: 3, stride: 1, pad: 1 },
];

function convLayer(kernel: string, g: Geometry, nchw: boolean, residual: boolean): Layer {
  const oh = Math.floor((g.h + 2 * g.pad - g.k) / g.stride) + 1;
  const ow = Math.floor((g.w + 2 * g.pad - g.k) / g.stride) + 1;
  const random = rng(SEED + g.c * 7 + g.oc);
  const geometry = [g.k, g.k, g.stride, g.stride, 1, 1, g.pad, g.pad, g.pad, g.pad, 1];
  const weights = randomFloats(g.oc * g.c * g.k * g.k, random, -0.3, 0.3);
  const qu8 = kernel.startsWith('qu8_');
  return {
    kernel,
    inShape: nchw ? [1, g.c, g.h, g.w] : [1, g.h, g.w, g.c],
    outer: [1, oh, ow],
    channels: g.oc,
    packed: packWeights(kernel, [g.oc, g.c, ...geometry], weights, qu8 ? GRID_IN : undefined),
    bias: randomFloats(g.oc, random, -0.5, 0.5),
    params: [...geometry, 1, residual ? 1 : 0],
    residual,
  };
}

const outputDtypes = (kernel: string): DType[] => (kernel.startsWith('bf16_') ? ['float32', 'bfloat16'] : kernel.startsWith('qu8_') ? ['float32', 'uint8'] : ['float32']);

describe(`strided outputs of reduced-precision convolutions (seed ${SEED})`, () => {
  afterAll(() => setThreads(threadsBefore));
  const convs = ['bf16_conv', 'f16_conv', 'qu8_conv'].flatMap((family) => variantsOf(family).runnable);

  it('lists a scalar reference of each family', () => {
    expect(convs).toEqual(expect.arrayContaining(['bf16_conv_im2col_4x4c2__scalar', 'f16_conv_im2col_4x4__scalar', 'qu8_conv_im2col_4x4c4__scalar']));
  });

  for (const kernel of convs) {
    const geometries = GEOMETRIES.filter(
      (g) => (!kernel.includes('_1x1_') || g.k === 1) && (!kernel.includes('smallk') || g.c <= 64) && (!kernel.includes('_winograd_') || (g.k === 3 && g.stride === 1)),
    );
    for (const dtype of outputDtypes(kernel)) {
      it(`${kernel} → ${dtype}: its channels of a wider tensor equal the dense output, other bytes untouched (1 and 2 threads, with and without residual)`, () => {
        for (const threads of [1, 2]) {
          setThreads(threads);
          for (const g of geometries) {
            for (const residual of [false, true]) expectStrided(convLayer(kernel, g, false, residual), dtype, `${kernel} ${g.label} → ${dtype}, ${threads} thread(s)${residual ? ', residual' : ''}`);
          }
        }
      });
    }
  }

  for (const kernel of variantsOf('qu8_conv_nchw').runnable) {
    for (const dtype of outputDtypes(kernel)) {
      it(`${kernel} (NCHW input) → ${dtype}: strided equals dense, other bytes untouched`, () => {
        for (const threads of [1, 2]) {
          setThreads(threads);
          for (const g of [
            { label: '3x3 s2 pad 1, 3 channels', h: 21, w: 25, c: 3, oc: 24, k: 3, stride: 2, pad: 1 },
            { label: '5x5 pad 2, 4 channels, 70 out', h: 9, w: 11, c: 4, oc: 70, k: 5, stride: 1, pad: 2 },
          ]) {
            expectStrided(convLayer(kernel, g, true, false), dtype, `${kernel} ${g.label} → ${dtype}, ${threads} thread(s)`);
          }
        }
      });
    }
  }
});

describe(`strided outputs of reduced-precision GEMMs (seed ${SEED})`, () => {
  afterAll(() => setThreads(threadsBefore));
  const gemms = ['bf16_gemm', 'f16_gemm', 'qu8_gemm'].flatMap((family) => variantsOf(family).runnable);
  for (const kernel of gemms) {
    it(`${kernel} → float32: its columns of a wider tensor equal the dense output, other bytes untouched`, () => {
      for (const threads of [1, 2]) {
        setThreads(threads);
        for (const [m, k, n] of [[67, 40, 33], [128, 64, 96], [5, 19, 7]] as const) {
          for (const residual of [false, true]) {
            const random = rng(SEED + m + n);
            const layer: Layer = {
              kernel,
              inShape: [m, k],
              outer: [m],
              channels: n,
              packed: packWeights(kernel, [k, n, 0], randomFloats(k * n, random, -0.3, 0.3), kernel.startsWith('qu8_') ? GRID_IN : undefined),
              bias: randomFloats(n, random, -0.5, 0.5),
              params: [k, n, 1, residual ? 1 : 0],
              residual,
            };
            expectStrided(layer, 'float32', `${kernel} M=${m} K=${k} N=${n}, ${threads} thread(s)${residual ? ', residual' : ''}`);
          }
        }
      }
    });
  }
});

/**
 * Two convs of `kernel` writing `dtype` side by side into channel ranges of one arena tensor, an
 * x_concat_view joining them, and an exact read-back of the whole tensor.
 */
function concatProgram(kernel: string, dtype: DType): { program: Program; arenaBytes: number; x: Float32Array; width: number; pixels: number; views: [number, number] } {
  const g = GEOMETRIES[0]!;
  const random = rng(SEED + 3);
  const x = randomFloats(g.h * g.w * g.c, random, -2, 2);
  const p = new Program();
  const input = p.tensor({ dtype: 'float32', shape: [1, g.h, g.w, g.c], location: 'input', slot: 0 });
  const [a, b] = [convLayer(kernel, g, false, false), convLayer(kernel, { ...g, oc: 21 }, false, false)];
  const width = a.channels + b.channels;
  const pixels = g.h * g.w;
  const bytes = Math.ceil((pixels * width * BYTES[dtype]) / 64) * 64;
  const wide = [1, g.h, g.w, width];
  const whole = p.tensor({ dtype, shape: wide, location: 'arena', offset: 0 });
  const result = p.tensor({ dtype: 'float32', shape: wide, location: 'output', slot: 0 });
  const views: number[] = [];
  let column = 0;
  for (const layer of [a, b]) {
    const view = p.tensor({ dtype, shape: [1, g.h, g.w, layer.channels], location: 'arena', offset: column * BYTES[dtype], rowStride: width });
    views.push(view);
    const grid = dtype === 'uint8' ? GRID_OUT : [];
    p.layers.push({ kernel, inputs: [input, p.weight(layer.packed), p.weight(layer.bias)], outputs: [view], params: [...layer.params, ...grid], epilogue: CLIP });
    column += layer.channels;
  }
  p.layers.push({ kernel: 'x_concat_view__scalar', inputs: views, outputs: [whole], params: [3] });
  move(p, dtype, width, whole, result, 'float32');
  return { program: p, arenaBytes: bytes, x, width, pixels, views: views as [number, number] };
}

function expectInvalid(program: Program, arenaBytes: number, text: RegExp, label: string): void {
  let caught: unknown;
  try {
    program.run(arenaBytes, [new Float32Array(0)], 0);
  } catch (error) {
    caught = error;
  }
  expect(KilnError.isInstance(caught), `${label}: ${String(caught)}`).toBe(true);
  expect((caught as KilnError).code, label).toBe('ERR_PROGRAM_INVALID');
  expect((caught as KilnError).message, label).toMatch(text);
}

describe('x_concat_view over strided bfloat16 and uint8 tensors', () => {
  const cases: [string, DType][] = [
    [variantsOf('bf16_conv').runnable[0]!, 'bfloat16'],
    [variantsOf('qu8_conv').runnable[0]!, 'uint8'],
  ];
  for (const [kernel, dtype] of cases) {
    it(`${kernel}: two ${dtype} producers written in place equal the dense outputs side by side`, () => {
      const { program, arenaBytes, x, width, pixels } = concatProgram(kernel, dtype);
      const joined = program.run(arenaBytes, [x], pixels * width);
      const g = GEOMETRIES[0]!;
      const parts = [convLayer(kernel, g, false, false), convLayer(kernel, { ...g, oc: 21 }, false, false)].map((layer) => runLayer(layer, dtype, x, new Float32Array(0)));
      for (let pixel = 0; pixel < pixels; pixel++) {
        const want = [...parts[0]!.subarray(pixel * 37, (pixel + 1) * 37), ...parts[1]!.subarray(pixel * 21, (pixel + 1) * 21)];
        expect(Array.from(joined.subarray(pixel * width, (pixel + 1) * width)), `pixel ${pixel}`).toEqual(want);
      }
    });

    it(`${kernel}: refuses malformed ${dtype} views (ERR_PROGRAM_INVALID)`, () => {
      const edits: [string, (built: ReturnType<typeof concatProgram>) => void, RegExp][] = [
        ['view at the wrong offset', (built) => (built.program.tensors[built.views[1]]!.offset! += BYTES[dtype]), /not where Concat puts it/],
        ['view of another dtype', (built) => {
          // An fp32 producer (no output grid) in a wide enough arena: the view itself is refused.
          built.program.tensors[built.views[0]]!.dtype = 'float32';
          built.program.layers[0]!.params = built.program.layers[0]!.params!.slice(0, 13);
          built.arenaBytes *= 4;
        }, /of the output's dtype/],
        ['row stride below the last dim', (built) => (built.program.tensors[built.views[0]]!.rowStride = 36), /Row stride must cover/],
        ['stride running past the arena', (built) => (built.program.tensors[built.views[1]]!.rowStride = 1 << 16), /past the end/],
        ['strided tensor read by a layer', (built) => (built.program.layers.at(-1)!.inputs[0] = built.views[0]), /reads a strided tensor/],
      ];
      if (dtype === 'bfloat16') edits.push(['odd byte offset', (built) => (built.program.tensors[built.views[1]]!.offset = 37 * 2 + 1), /Misaligned/]);
      for (const [label, edit, text] of edits) {
        const built = concatProgram(kernel, dtype);
        edit(built);
        expectInvalid(built.program, built.arenaBytes, text, label);
      }
    });
  }

  it('refuses a strided uint8 output of a kernel without strides (qu8_dwconv)', () => {
    const dw = variantsOf('qu8_dwconv').runnable[0]!;
    const c = 16;
    const p = new Program();
    const input = p.tensor({ dtype: 'float32', shape: [1, 5, 5, c], location: 'input', slot: 0 });
    const u8 = p.tensor({ dtype: 'uint8', shape: [1, 5, 5, c], location: 'arena', offset: 0 });
    const view = p.tensor({ dtype: 'uint8', shape: [1, 5, 5, c], location: 'arena', offset: 512, rowStride: 2 * c });
    p.tensor({ dtype: 'float32', shape: [1], location: 'output', slot: 0 });
    move(p, 'uint8', c, input, u8, 'uint8');
    const packed = packWeights(dw, [c, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, c], new Float32Array(c * 9).fill(0.1));
    p.layers.push({ kernel: dw, inputs: [u8, p.weight(packed)], outputs: [view], params: [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, c, 0, 0, 1, 0, 1, 0] });
    expectInvalid(p, 2048, /cannot write a strided tensor/, dw);
  });
});

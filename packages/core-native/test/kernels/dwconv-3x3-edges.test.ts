// Depthwise 3x3 rows at their edges: widths 1..20 (blocks of every size, one-block rows, rows whose
// first and last blocks reach into the padding), stride 1 and 2, symmetric and asymmetric pads,
// channel counts below, at and past the 16-lane vector, residual and the fused activations.
// f32_dwconv variants match the plain JS reference, and each ISA's 3x3 row matches its generic
// row bit for bit (same FMAs in the same order per output). Every bf16_dwconv variant
// matches bf16_dwconv__scalar bit for bit for every input / output / residual type, with the
// activations whose scalar and vector forms are the same arithmetic (none, ReLU, Clip; the
// vector Sigmoid is a different approximation).
import { describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, type NativeUnaryStep, createEngine, packWeights } from '../../src/index.js';
import { type ConvCase, convReference, outSize, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

type DType = 'float32' | 'bfloat16';
const PADS: Array<[number, number, number, number]> = [
  [1, 1, 1, 1],
  [0, 0, 0, 0],
  [0, 1, 1, 0],
  [1, 0, 0, 1],
];
const CHANNELS = [1, 5, 16, 19, 33, 40];
const EXACT_EPILOGUES: Array<NativeUnaryStep | undefined> = [undefined, { op: 'Relu' }, { op: 'Clip', alpha: 0, beta: 6 }, { op: 'Clip', alpha: -0.5, beta: 0.75 }];
const EPILOGUES = [...EXACT_EPILOGUES, { op: 'Sigmoid' } as NativeUnaryStep];

interface EdgeCase extends ConvCase {
  label: string;
  residual: boolean;
  epilogue: NativeUnaryStep | undefined;
}

/** Every valid width 1..20 for one stride and pads, with channels, height, residual and activation varied across widths. */
function casesFor(stride: number, pads: [number, number, number, number], epilogues = EPILOGUES): EdgeCase[] {
  const cases: EdgeCase[] = [];
  for (let w = 1; w <= 20; w++) {
    const c = CHANNELS[w % CHANNELS.length]!;
    const h = 3 + (w % 4);
    const base: ConvCase = { n: 1, h, w, c, oc: c, group: c, kh: 3, kw: 3, sh: stride, sw: stride, dh: 1, dw: 1, pads };
    if (outSize(h, 3, stride, 1, pads[0], pads[2]) < 1 || outSize(w, 3, stride, 1, pads[1], pads[3]) < 1) continue;
    const epilogue = epilogues[w % epilogues.length];
    cases.push({ ...base, label: `${h}x${w}x${c} s${stride} pads ${pads.join(',')}`, residual: w % 2 === 1, epilogue });
  }
  return cases;
}

const dwShape = (c: ConvCase) => [c.c, c.c, 3, 3, c.sh, c.sw, 1, 1, ...c.pads, c.c];
const outShapeOf = (c: ConvCase) => [1, outSize(c.h, 3, c.sh, 1, c.pads[0], c.pads[2]), outSize(c.w, 3, c.sw, 1, c.pads[1], c.pads[3]), c.c];
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function inputsFor(c: EdgeCase, seed: number) {
  const random = rng(seed);
  return {
    x: randomFloats(c.h * c.w * c.c, random, -3, 3),
    w: randomFloats(c.c * 9, random, -0.7, 0.7),
    bias: randomFloats(c.c, random, -0.5, 0.5),
    residual: randomFloats(count(outShapeOf(c)), random, -1, 1),
  };
}

describe('f32_dwconv 3x3 at row edges', () => {
  const variants = variantsOf('f32_conv').runnable.filter((name) => name.startsWith('f32_dwconv'));
  for (const stride of [1, 2]) {
    for (const pads of PADS) {
      it(`stride ${stride}, pads ${pads.join(',')}: widths 1..20 match the reference, the 3x3 rows = the generic rows bit for bit`, () => {
        casesFor(stride, pads).forEach((c, index) => {
          const { x, w, bias, residual } = inputsFor(c, 7000 + stride * 100 + index);
          const outShape = outShapeOf(c);
          const run = (kernel: string) => {
            const { y, tactic } = runPacked({
              kernel, x: { data: x, shape: [1, c.h, c.w, c.c] }, packed: packWeights(kernel, dwShape(c), w), bias,
              residual: c.residual ? residual : undefined, outShape,
              params: [3, 3, c.sh, c.sw, 1, 1, ...c.pads, c.c, 1, c.residual ? 1 : 0], epilogue: c.epilogue ? [c.epilogue] : [],
            });
            expect(tactic).toBe(kernel);
            return y;
          };
          const want = convReference(c, x, w, bias, c.residual ? residual : undefined, c.epilogue);
          const label = `${c.label} residual=${c.residual} ${c.epilogue?.op ?? 'none'}`;
          for (const kernel of variants) expectClose(run(kernel), want, `${kernel} ${label}`, 2e-4, 2e-4);
          if (variants.includes('f32_dwconv_3x3__avx512')) {
            expectClose(run('f32_dwconv_3x3__avx512'), run('f32_dwconv__avx512'), `3x3 vs generic ${label}`, 0, 0);
          }
          if (variants.includes('f32_dwconv_3x3__avx2')) {
            expectClose(run('f32_dwconv_3x3__avx2'), run('f32_dwconv__avx2'), `3x3 vs generic AVX2 ${label}`, 0, 0);
          }
        });
      });
    }
  }
});

describe('f32_dwconv 3x3 over an input of 8 MiB and more (rows fetched ahead)', () => {
  // Rows of 60 x 36 floats (8640 bytes, 36 channels: row order, a partial last slice), 2 x 490 of
  // them: the AVX-512 3x3 rows prefetch the next output row's input rows, to the last row of each
  // image. Fetching never changes a value: the 3x3 rows still equal the generic rows bit for bit.
  const runnable = variantsOf('f32_conv').runnable.includes('f32_dwconv_3x3__avx512');
  for (const [stride, pads] of [[1, [1, 1, 1, 1]], [2, [0, 1, 1, 0]]] as Array<[number, [number, number, number, number]]>) {
    it.skipIf(!runnable)(`stride ${stride}, pads ${pads.join(',')}: equals the generic rows and the reference`, () => {
      const c: ConvCase = { n: 2, h: 490, w: 60, c: 36, oc: 36, group: 36, kh: 3, kw: 3, sh: stride, sw: stride, dh: 1, dw: 1, pads };
      const random = rng(8100 + stride);
      const x = randomFloats(c.n * c.h * c.w * c.c, random, -3, 3);
      const w = randomFloats(c.c * 9, random, -0.7, 0.7);
      const bias = randomFloats(c.c, random, -0.5, 0.5);
      const outShape = [c.n, outSize(c.h, 3, stride, 1, pads[0], pads[2]), outSize(c.w, 3, stride, 1, pads[1], pads[3]), c.c];
      const run = (kernel: string) =>
        runPacked({
          kernel, x: { data: x, shape: [c.n, c.h, c.w, c.c] }, packed: packWeights(kernel, dwShape(c), w), bias, outShape,
          params: [3, 3, stride, stride, 1, 1, ...pads, c.c, 1, 0], epilogue: [{ op: 'Clip', alpha: 0, beta: 6 }],
        }).y;
      const fetched = run('f32_dwconv_3x3__avx512');
      expectClose(fetched, run('f32_dwconv__avx512'), 'fetched 3x3 rows vs generic rows', 0, 0);
      expectClose(fetched, convReference(c, x, w, bias, undefined, { op: 'Clip', alpha: 0, beta: 6 }), 'vs reference', 2e-4, 2e-4);
    });
  }
});

/** One program: x (fp32) -> `from` -> dw 3x3 layer (bias, optional residual of type `residualType`) -> `to` -> fp32 output. */
function runBf16(kernel: string, c: EdgeCase, data: ReturnType<typeof inputsFor>, from: DType, to: DType, residualType: DType | undefined): Float32Array {
  const inShape = [1, c.h, c.w, c.c];
  const outShape = outShapeOf(c);
  const tensors: NativeTensor[] = [
    { dtype: 'float32', shape: inShape, location: 'input', slot: 0 },
    { dtype: 'float32', shape: outShape, location: 'input', slot: 1 },
  ];
  const layers: NativeProgram['layers'] = [];
  const blobs: Float32Array[] = [];
  let weightFloats = 0;
  let arena = 0;
  const weight = (blob: Float32Array) => {
    tensors.push({ dtype: 'float32', shape: [blob.length], location: 'weights', offset: weightFloats * 4 });
    blobs.push(blob);
    weightFloats += Math.ceil(blob.length / 16) * 16;
    return tensors.length - 1;
  };
  const tensor = (dtype: DType, shape: number[], output = false) => {
    if (output) {
      tensors.push({ dtype, shape, location: 'output', slot: 0 });
    } else {
      tensors.push({ dtype, shape, location: 'arena', offset: arena });
      arena += Math.ceil((count(shape) * (dtype === 'bfloat16' ? 2 : 4)) / 64) * 64;
    }
    return tensors.length - 1;
  };
  // An exact copy between fp32 and bf16: a 1x1 depthwise with weight 1 through the scalar reference.
  const copy = (from: number, shape: number[], dtype: DType, output = false) => {
    const ch = shape[3]!;
    const packed = weight(packWeights('bf16_dwconv__scalar', [ch, ch, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, ch], new Float32Array(ch).fill(1)));
    const y = tensor(dtype, shape, output);
    layers.push({ kernel: 'bf16_dwconv__scalar', inputs: [from, packed], outputs: [y], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, ch, 0, 0] });
    return y;
  };
  const x = from === 'bfloat16' ? copy(0, inShape, 'bfloat16') : 0;
  const residual = residualType === undefined ? [] : [residualType === 'bfloat16' ? copy(1, outShape, 'bfloat16') : 1];
  const packed = weight(packWeights(kernel, dwShape(c), data.w));
  const bias = weight(data.bias);
  const y = tensor(to, outShape, to === 'float32');
  layers.push({ kernel, inputs: [x, packed, bias, ...residual], outputs: [y], params: [3, 3, c.sh, c.sw, 1, 1, ...c.pads, c.c, 1, residual.length], epilogue: c.epilogue ? [c.epilogue] : [] });
  if (to === 'bfloat16') copy(y, outShape, 'float32', true);
  const weights = new Float32Array(weightFloats);
  let at = 0;
  for (const blob of blobs) {
    weights.set(blob, at);
    at += Math.ceil(blob.length / 16) * 16;
  }
  const out = new Float32Array(count(outShape));
  createEngine({ arenaBytes: arena, tensors, layers }, weights).createContext().runSync([data.x, data.residual], [out]);
  return out;
}

describe('bf16_dwconv 3x3 at row edges', () => {
  const variants = variantsOf('bf16_dwconv').runnable.filter((name) => !name.endsWith('__scalar'));
  const types: Array<[DType, DType, DType | undefined]> = [
    ['bfloat16', 'bfloat16', undefined], ['bfloat16', 'bfloat16', 'bfloat16'], ['bfloat16', 'float32', 'float32'],
    ['float32', 'bfloat16', 'bfloat16'], ['float32', 'float32', undefined], ['bfloat16', 'bfloat16', 'float32'],
  ];
  for (const stride of [1, 2]) {
    for (const pads of PADS) {
      it(`stride ${stride}, pads ${pads.join(',')}: widths 1..20, every variant = bf16_dwconv__scalar bit for bit`, (context) => {
        if (variants.length === 0) context.skip();
        casesFor(stride, pads, EXACT_EPILOGUES).forEach((c, index) => {
          const data = inputsFor(c, 9000 + stride * 100 + index);
          const [from, to, residualType] = types[index % types.length]!;
          const want = runBf16('bf16_dwconv__scalar', c, data, from, to, residualType);
          for (const kernel of variants) {
            const got = runBf16(kernel, c, data, from, to, residualType);
            expectClose(got, want, `${kernel} ${c.label} ${from}->${to} residual=${residualType ?? 'none'} ${c.epilogue?.op ?? 'none'}`, 0, 0);
          }
        });
      });
    }
  }
});

// Gemm: alpha * op(A) * op(B) + beta * C, op = optional transpose, C broadcast to [M, N].
import type { TensorType } from '../../../tensor.js';
import { floatAttr, intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, fromNumbers, makeTensor, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { gemmAccumulate, transposeMatrix } from '../util/gemm.js';
import { asFloatArray, newLike } from '../util/matmul.js';
import { broadcastIndex } from '../util/shape.js';

const GEMM_TYPES: readonly TensorType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint32', 'uint64'];

export const op = defineOp('Gemm', 1, (inputs, attributes, context) => {
  const a = requireInput(context, inputs, 0);
  const b = requireInput(context, inputs, 1);
  expectType(context, a, GEMM_TYPES);
  const transA = intAttr(attributes, 'transA', 0) === 1;
  const transB = intAttr(attributes, 'transB', 0) === 1;
  const alpha = floatAttr(attributes, 'alpha', 1);
  const beta = floatAttr(attributes, 'beta', 1);
  const [ar, ac] = a.dims as [number, number];
  const [br, bc] = b.dims as [number, number];
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const N = transB ? br : bc;
  if ((transB ? bc : br) !== K) throw evaluateError(context, 'inner dimensions differ', { found: `A [${a.dims.join(',')}] B [${b.dims.join(',')}] transA=${+transA} transB=${+transB}` });
  let av = asFloatArray(a);
  let bv = asFloatArray(b);
  if (av instanceof Float32Array && !(bv instanceof Float32Array)) bv = Float32Array.from(bv);
  if (transA) av = transposeMatrix(av, ar, ac);
  if (transB) bv = transposeMatrix(bv, br, bc);
  const out = newLike(av, M * N);
  gemmAccumulate(M, N, K, av, 0, bv, 0, out, 0);
  if (alpha !== 1) for (let i = 0; i < out.length; i++) out[i] = out[i]! * alpha;
  const c = inputs[2];
  if (c && beta !== 0) {
    const cv = toNumbers(c);
    const map = broadcastIndex([M, N], c.dims);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + beta * cv[map ? map[i]! : i]!;
  }
  if (a.type === 'float32' || a.type === 'float64') return [makeTensor(a.type, [M, N], out as never)];
  return [fromNumbers(a.type, [M, N], out)];
});

// ArrayFeatureExtractor (ai.onnx.ml): select elements of the last axis of X by index
// ([..., N] -> [..., len(Y)]; a 1-D X gives [1, len(Y)]).
import { readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { sizeOf } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { takeElements } from '../util/indexing.js';

export const op = defineOp(
  'ArrayFeatureExtractor',
  1,
  (inputs, _attributes, context) => {
    const x = requireInput(context, inputs, 0);
    const indices = readInts(requireInput(context, inputs, 1));
    const last = x.dims[x.dims.length - 1] ?? 1;
    for (const i of indices) if (i < 0 || i >= last) throw evaluateError(context, 'index out of range', { expected: `[0, ${last - 1}]`, found: String(i) });
    const rows = sizeOf(x.dims.slice(0, -1));
    const map = new Int32Array(rows * indices.length);
    for (let r = 0; r < rows; r++) indices.forEach((i, k) => (map[r * indices.length + k] = r * last + i));
    const dims = x.dims.length <= 1 ? [1, indices.length] : [...x.dims.slice(0, -1), indices.length];
    return [takeElements(x, dims, map)];
  },
  Infinity,
  'ai.onnx.ml',
);

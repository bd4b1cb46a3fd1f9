// Unsqueeze: insert axes of extent 1 at the given output positions.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { requireInput } from '../util/attributes.js';
import { axesOf } from '../util/axes.js';
import { defineOp } from '../util/define.js';
import { withDims } from '../util/indexing.js';
import { normalizeAxis } from '../util/shape.js';

function unsqueeze(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axes = axesOf(inputs, 1, attributes, context, 13) ?? [];
  const rank = x.dims.length + axes.length;
  const normalized = axes.map((a) => normalizeAxis(context, a, rank));
  const dims: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) dims.push(normalized.includes(i) ? 1 : x.dims[next++]!);
  return [withDims(x, dims)];
}

export const op = defineOp('Unsqueeze', 1, unsqueeze);

// The `axes` of Squeeze/Unsqueeze: an attribute before opset `inputSince`, an input from it.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intsAttr, readInts } from './attributes.js';

/** Axes from input `index` (opset >= inputSince) or the `axes` attribute; undefined when absent. */
export function axesOf(inputs: readonly (Tensor | undefined)[], index: number, attributes: Attributes, context: OpContext, inputSince: number): number[] | undefined {
  if (context.opset >= inputSince) {
    const t = inputs[index];
    return t ? readInts(t) : undefined;
  }
  return intsAttr(attributes, 'axes');
}


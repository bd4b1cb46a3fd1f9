// Spatial geometry shared by Conv, ConvTranspose and the pooling ops: kernel, strides, dilations,
// pads (auto_pad resolved) and output extents.
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, intsAttr, stringAttr } from './attributes.js';
import { evaluateError } from './errors.js';

export interface Geometry {
  /** Input spatial extents. */
  inDims: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding before each spatial axis. */
  padBegin: number[];
  padEnd: number[];
  /** Output spatial extents. */
  outDims: number[];
}

/** Geometry of a forward window op (Conv, MaxPool, AveragePool, LpPool). */
export function windowGeometry(context: OpContext, attributes: Attributes, inDims: readonly number[], kernel: readonly number[], ceilMode = false): Geometry {
  const rank = inDims.length;
  const strides = intsAttr(attributes, 'strides') ?? new Array<number>(rank).fill(1);
  const dilations = intsAttr(attributes, 'dilations') ?? new Array<number>(rank).fill(1);
  const pads = intsAttr(attributes, 'pads') ?? new Array<number>(2 * rank).fill(0);
  const autoPad = stringAttr(attributes, 'auto_pad', 'NOTSET');
  const padBegin = pads.slice(0, rank);
  const padEnd = pads.slice(rank, 2 * rank);
  const outDims: number[] = [];
  for (let i = 0; i < rank; i++) {
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const out = Math.ceil(inDims[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + span - inDims[i]!);
      const small = Math.floor(total / 2);
      padBegin[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      padEnd[i] = total - padBegin[i]!;
      outDims.push(out);
    } else {
      if (autoPad === 'VALID') {
        padBegin[i] = 0;
        padEnd[i] = 0;
      }
      const extent = inDims[i]! + padBegin[i]! + padEnd[i]! - span;
      let out = (ceilMode ? Math.ceil(extent / strides[i]!) : Math.floor(extent / strides[i]!)) + 1;
      // With ceil_mode the last window must start inside the input or left padding.
      if (ceilMode && (out - 1) * strides[i]! >= inDims[i]! + padBegin[i]!) out--;
      outDims.push(out);
    }
  }
  if (outDims.some((d) => d < 0)) {
    throw evaluateError(context, 'window is larger than the padded input', { found: `input [${inDims.join(',')}] kernel [${kernel.join(',')}]` });
  }
  return { inDims: [...inDims], kernel: [...kernel], strides, dilations, padBegin, padEnd, outDims };
}

export function groupAttr(attributes: Attributes): number {
  return intAttr(attributes, 'group', 1);
}

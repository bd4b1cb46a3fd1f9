// RoiAlign: for each region of interest [x1, y1, x2, y2] (scaled by spatial_scale), an
// output_height x output_width grid of bins, each the average (or maximum) of bilinear samples on a
// sampling_ratio grid (adaptive when 0), as onnxruntime and the ONNX reference compute it.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, readInts, requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

/** The four (index, weight) corners of a bilinear sample at (y, x); none outside [-1, extent]. */
function bilinear(y: number, x: number, height: number, width: number): [number, number][] {
  if (y < -1 || y > height || x < -1 || x > width) return [];
  y = Math.max(y, 0);
  x = Math.max(x, 0);
  let yLow = Math.trunc(y);
  let xLow = Math.trunc(x);
  let yHigh = yLow + 1;
  let xHigh = xLow + 1;
  if (yLow >= height - 1) y = yHigh = yLow = height - 1;
  if (xLow >= width - 1) x = xHigh = xLow = width - 1;
  const ly = y - yLow;
  const lx = x - xLow;
  return [
    [yLow * width + xLow, (1 - ly) * (1 - lx)],
    [yLow * width + xHigh, (1 - ly) * lx],
    [yHigh * width + xLow, ly * (1 - lx)],
    [yHigh * width + xHigh, ly * lx],
  ];
}

function roiAlign(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, FLOAT_TYPES);
  const rois = toNumbers(requireInput(context, inputs, 1));
  const batchIndices = readInts(requireInput(context, inputs, 2));
  const [, channels, height, width] = x.dims as [number, number, number, number];
  const roiCount = batchIndices.length;
  if (x.dims.length !== 4 || rois.length !== roiCount * 4) {
    throw evaluateError(context, 'needs X [N, C, H, W], rois [R, 4] and batch_indices [R]', { found: `X [${x.dims.join(', ')}], ${rois.length / 4} rois, ${roiCount} batch indices` });
  }
  const outHeight = intAttr(attributes, 'output_height', 1);
  const outWidth = intAttr(attributes, 'output_width', 1);
  const samplingRatio = intAttr(attributes, 'sampling_ratio', 0);
  const scale = floatAttr(attributes, 'spatial_scale', 1);
  const max = stringAttr(attributes, 'mode', 'avg') === 'max';
  const halfPixel = stringAttr(attributes, 'coordinate_transformation_mode', 'half_pixel') === 'half_pixel';
  const offset = context.opset >= 16 && halfPixel ? 0.5 : 0;
  const values = toNumbers(x);
  const out = new Float64Array(roiCount * channels * outHeight * outWidth);
  for (let r = 0; r < roiCount; r++) {
    const [startW, startH, endW, endH] = [0, 1, 2, 3].map((k) => rois[r * 4 + k]! * scale - offset) as [number, number, number, number];
    let roiWidth = endW - startW;
    let roiHeight = endH - startH;
    if (offset === 0) {
      roiWidth = Math.max(roiWidth, 1);
      roiHeight = Math.max(roiHeight, 1);
    }
    const binHeight = roiHeight / outHeight;
    const binWidth = roiWidth / outWidth;
    const gridH = samplingRatio > 0 ? samplingRatio : Math.ceil(roiHeight / outHeight);
    const gridW = samplingRatio > 0 ? samplingRatio : Math.ceil(roiWidth / outWidth);
    const count = Math.max(gridH * gridW, 1);
    for (let ph = 0; ph < outHeight; ph++)
      for (let pw = 0; pw < outWidth; pw++) {
        const samples: [number, number][][] = [];
        for (let iy = 0; iy < gridH; iy++)
          for (let ix = 0; ix < gridW; ix++) {
            const y = startH + ph * binHeight + ((iy + 0.5) * binHeight) / gridH;
            const xx = startW + pw * binWidth + ((ix + 0.5) * binWidth) / gridW;
            samples.push(bilinear(y, xx, height, width));
          }
        for (let c = 0; c < channels; c++) {
          const plane = (batchIndices[r]! * channels + c) * height * width;
          let result = 0;
          let first = true;
          for (const corners of samples) {
            if (max) {
              // Max mode takes the largest weighted corner of each sample (onnxruntime's definition).
              const best = corners.length ? Math.max(...corners.map(([i, w]) => w * values[plane + i]!)) : 0;
              result = first ? best : Math.max(result, best);
              first = false;
            } else for (const [i, w] of corners) result += w * values[plane + i]!;
          }
          out[((r * channels + c) * outHeight + ph) * outWidth + pw] = max ? result : result / count;
        }
      }
  }
  return [fromNumbers(x.type, [roiCount, channels, outHeight, outWidth], out)];
}

export const op = defineOp('RoiAlign', 10, roiAlign);

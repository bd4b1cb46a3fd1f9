// The image ops (Resize, Upsample, GridSample, RoiAlign and friends): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as affineGrid } from './affine-grid.js';
import { op as gridSample } from './grid-sample.js';
import { op as imageDecoder } from './image-decoder.js';
import { op as nonMaxSuppression } from './non-max-suppression.js';
import { op as resize } from './resize.js';
import { op as roiAlign } from './roi-align.js';
import { op as upsample } from './upsample.js';

export const IMAGE_OPS: readonly OpRegistration[] = [
  affineGrid, gridSample, imageDecoder, nonMaxSuppression, resize, roiAlign, upsample,
];

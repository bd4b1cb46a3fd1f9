// The tensor ops (shape, layout, indexing and type-conversion ops): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as bitCast } from './bit-cast.js';
import { op as cast } from './cast.js';
import { op as castLike } from './cast-like.js';
import { op as centerCropPad } from './center-crop-pad.js';
import { op as compress } from './compress.js';
import { op as concat } from './concat.js';
import { op as constantOp } from './constant.js';
import { op as constantOfShape } from './constant-of-shape.js';
import { op as depthToSpace } from './depth-to-space.js';
import { op as expand } from './expand.js';
import { op as eyeLike } from './eye-like.js';
import { op as flatten } from './flatten.js';
import { op as gather } from './gather.js';
import { op as gatherElements } from './gather-elements.js';
import { op as gatherNd } from './gather-nd.js';
import { op as identity } from './identity.js';
import { op as nonZero } from './non-zero.js';
import { op as oneHot } from './one-hot.js';
import { op as optional } from './optional.js';
import { op as optionalGetElement } from './optional-get-element.js';
import { op as optionalHasElement } from './optional-has-element.js';
import { op as pad } from './pad.js';
import { op as rangeOp } from './range.js';
import { op as reshape } from './reshape.js';
import { op as reverseSequence } from './reverse-sequence.js';
import { op as scatter } from './scatter.js';
import { op as scatterElements } from './scatter-elements.js';
import { op as scatterNd } from './scatter-nd.js';
import { op as shape } from './shape.js';
import { op as size } from './size.js';
import { op as slice } from './slice.js';
import { op as spaceToDepth } from './space-to-depth.js';
import { op as split } from './split.js';
import { op as squeeze } from './squeeze.js';
import { op as tensorScatter } from './tensor-scatter.js';
import { op as tile } from './tile.js';
import { op as topK } from './top-k.js';
import { op as transpose } from './transpose.js';
import { op as trilu } from './trilu.js';
import { op as unique } from './unique.js';
import { op as unsqueeze } from './unsqueeze.js';

export const TENSOR_OPS: readonly OpRegistration[] = [
  bitCast, cast, castLike, centerCropPad, compress, concat, constantOp, constantOfShape, depthToSpace,
  expand, eyeLike, flatten, gather, gatherElements, gatherNd, identity, nonZero, oneHot, optional,
  optionalGetElement, optionalHasElement, pad, rangeOp, reshape, reverseSequence, scatter, scatterElements,
  scatterNd, shape, size, slice, spaceToDepth, split, squeeze, tensorScatter, tile, topK, transpose, trilu,
  unique, unsqueeze,
];

// NonMaxSuppression: per batch and class, greedily keep the highest-scoring boxes whose IoU with
// every box already kept is at most iou_threshold, up to max_output_boxes_per_class; boxes at or
// below score_threshold are never kept. Output rows are [batch, class, box].
import { intAttr, requireInput, scalarInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

/** [y1, x1, y2, x2] with y1 <= y2 and x1 <= x2, from either box encoding. */
function corners(boxes: ArrayLike<number>, offset: number, centerPoint: boolean): [number, number, number, number] {
  const [a, b, c, d] = [boxes[offset]!, boxes[offset + 1]!, boxes[offset + 2]!, boxes[offset + 3]!];
  if (centerPoint) return [b - d / 2, a - c / 2, b + d / 2, a + c / 2];
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

function iou(p: readonly number[], q: readonly number[]): number {
  const areaP = (p[2]! - p[0]!) * (p[3]! - p[1]!);
  const areaQ = (q[2]! - q[0]!) * (q[3]! - q[1]!);
  if (areaP <= 0 || areaQ <= 0) return 0;
  const height = Math.max(0, Math.min(p[2]!, q[2]!) - Math.max(p[0]!, q[0]!));
  const width = Math.max(0, Math.min(p[3]!, q[3]!) - Math.max(p[1]!, q[1]!));
  const intersection = height * width;
  return intersection / (areaP + areaQ - intersection);
}

export const op = defineOp('NonMaxSuppression', 10, (inputs, attributes, context) => {
  const boxesTensor = requireInput(context, inputs, 0);
  const scoresTensor = requireInput(context, inputs, 1);
  const [batches, spatial] = boxesTensor.dims as [number, number];
  const classes = scoresTensor.dims[1]!;
  if (boxesTensor.dims.length !== 3 || boxesTensor.dims[2] !== 4 || scoresTensor.dims.length !== 3 || scoresTensor.dims[0] !== batches || scoresTensor.dims[2] !== spatial) {
    throw evaluateError(context, 'boxes and scores do not match', {
      expected: 'boxes [batches, boxes, 4] and scores [batches, classes, boxes]',
      found: `boxes [${boxesTensor.dims.join(', ')}], scores [${scoresTensor.dims.join(', ')}]`,
    });
  }
  const maxPerClass = scalarInput(inputs, 2, 0);
  const iouThreshold = scalarInput(inputs, 3, 0);
  const scoreThreshold = inputs[4] && inputs[4].data.length > 0 ? scalarInput(inputs, 4, 0) : -Infinity;
  const centerPoint = intAttr(attributes, 'center_point_box', 0) === 1;
  const boxes = toNumbers(boxesTensor);
  const scores = toNumbers(scoresTensor);
  const selected: number[] = [];
  for (let b = 0; b < batches; b++) {
    const boxCorners = Array.from({ length: spatial }, (_, i) => corners(boxes, (b * spatial + i) * 4, centerPoint));
    for (let c = 0; c < classes; c++) {
      const row = (b * classes + c) * spatial;
      const order = Array.from({ length: spatial }, (_, i) => i)
        .filter((i) => scores[row + i]! > scoreThreshold)
        .sort((i, j) => scores[row + j]! - scores[row + i]! || i - j);
      const kept: number[] = [];
      for (const i of order) {
        if (kept.length >= maxPerClass) break;
        if (kept.every((k) => iou(boxCorners[i]!, boxCorners[k]!) <= iouThreshold)) kept.push(i);
      }
      for (const i of kept) selected.push(b, c, i);
    }
  }
  return [makeTensor('int64', [selected.length / 3, 3], BigInt64Array.from(selected, (v) => BigInt(v)))];
});

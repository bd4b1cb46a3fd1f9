// PaddleOCR's pre- and post-processing for PP-OCRv4 (text detection DB + recognition CTC), in
// plain JS. The models themselves run on Kiln (and on onnxruntime-node for the comparison).

/** PP-OCRv4 detection normalizes BGR pixels with ImageNet statistics. */
const DET_MEAN = [0.406, 0.456, 0.485];
const DET_STD = [0.225, 0.224, 0.229];
/** Recognition input height; widths follow each line's aspect ratio, in steps of 8, within the profile. */
export const REC_HEIGHT = 48;
export const REC_WIDTH_STEP = 8;
/** The recognition engine's optimization profile: any width from 64 to 1280, tuned for 320. */
export const REC_PROFILE = { min: [1, 3, REC_HEIGHT, 64], opt: [1, 3, REC_HEIGHT, 320], max: [1, 3, REC_HEIGHT, 1280] };

/**
 * Shape the detector runs at: each side scaled so the longer is at most `limit`, rounded to a
 * multiple of 32 (the network downsamples 32×).
 * @param {number} width
 * @param {number} height
 */
export function detectionShape(width, height, limit = 960) {
  const scale = Math.min(1, limit / Math.max(width, height));
  const round = (side) => Math.max(32, Math.round((side * scale) / 32) * 32);
  return [1, 3, round(height), round(width)];
}

/** Bilinear sample of channel `c` of an RGB image at (x, y) in source pixels. */
function sampleRgb(image, x, y, c) {
  const x0 = Math.max(0, Math.min(image.width - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(image.height - 1, Math.floor(y)));
  const x1 = Math.min(image.width - 1, x0 + 1);
  const y1 = Math.min(image.height - 1, y0 + 1);
  const fx = Math.max(0, Math.min(1, x - x0));
  const fy = Math.max(0, Math.min(1, y - y0));
  const at = (px, py) => image.rgb[(py * image.width + px) * 3 + c];
  return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

/**
 * The detector's input tensor: the image resized to `shape` (NCHW, BGR, normalized).
 * @param {{ width: number, height: number, rgb: Uint8Array }} image
 * @param {number[]} shape [1, 3, H, W]
 */
export function detectionInput(image, shape) {
  const [, , height, width] = shape;
  const data = new Float32Array(3 * height * width);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        // Channel c of the BGR input is RGB channel 2 - c.
        const value = sampleRgb(image, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5, 2 - c) / 255;
        data[(c * height + y) * width + x] = (value - DET_MEAN[c]) / DET_STD[c];
      }
    }
  }
  return { type: 'float32', dims: shape, data };
}

/**
 * DB post-processing: threshold the probability map, take each connected region's bounding
 * box, keep regions whose mean probability is high enough, grow each box by DB's unclip
 * distance (area × ratio / perimeter) and map it back to image pixels. Boxes come in reading
 * order (top to bottom, then left to right).
 * @param {Float32Array} map probabilities, `height × width`
 * @param {{ width: number, height: number }} mapSize
 * @param {{ width: number, height: number }} imageSize
 */
export function findTextBoxes(map, mapSize, imageSize, { threshold = 0.3, boxThreshold = 0.6, unclipRatio = 1.5, minSize = 3 } = {}) {
  const { width, height } = mapSize;
  const seen = new Uint8Array(width * height);
  const boxes = [];
  const stack = [];
  for (let start = 0; start < width * height; start++) {
    if (seen[start] || map[start] <= threshold) continue;
    let [left, top, right, bottom, sum, count] = [width, height, -1, -1, 0, 0];
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const index = stack.pop();
      const x = index % width;
      const y = (index - x) / width;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      sum += map[index];
      count += 1;
      for (const next of [x > 0 ? index - 1 : -1, x < width - 1 ? index + 1 : -1, y > 0 ? index - width : -1, y < height - 1 ? index + width : -1]) {
        if (next >= 0 && !seen[next] && map[next] > threshold) {
          seen[next] = 1;
          stack.push(next);
        }
      }
    }
    const boxWidth = right - left + 1;
    const boxHeight = bottom - top + 1;
    const score = sum / count;
    if (Math.min(boxWidth, boxHeight) < minSize || score < boxThreshold) continue;
    const grow = (boxWidth * boxHeight * unclipRatio) / (2 * (boxWidth + boxHeight));
    const sx = imageSize.width / width;
    const sy = imageSize.height / height;
    boxes.push({
      x0: Math.max(0, Math.floor((left - grow) * sx)),
      y0: Math.max(0, Math.floor((top - grow) * sy)),
      x1: Math.min(imageSize.width, Math.ceil((right + 1 + grow) * sx)),
      y1: Math.min(imageSize.height, Math.ceil((bottom + 1 + grow) * sy)),
      score,
    });
  }
  const lineHeight = boxes.length > 0 ? Math.min(...boxes.map((box) => box.y1 - box.y0)) : 1;
  return boxes.sort((a, b) => (Math.abs(a.y0 - b.y0) < lineHeight / 2 ? a.x0 - b.x0 : a.y0 - b.y0));
}

/**
 * The recognizer's input for one box: the crop scaled to height 48 with its aspect ratio kept
 * (narrowed only past the profile's maximum width), normalized to [-1, 1], zero-padded on the
 * right to a multiple of 8 within the profile (PaddleOCR's `resize_norm_img`).
 * @param {{ width: number, height: number, rgb: Uint8Array }} image
 * @param {{ x0: number, y0: number, x1: number, y1: number }} box
 */
export function recognitionInput(image, box) {
  const cropWidth = box.x1 - box.x0;
  const cropHeight = box.y1 - box.y0;
  const [minWidth, maxWidth] = [REC_PROFILE.min[3], REC_PROFILE.max[3]];
  const width = Math.max(1, Math.min(maxWidth, Math.ceil((REC_HEIGHT * cropWidth) / cropHeight)));
  const paddedWidth = Math.max(minWidth, Math.ceil(width / REC_WIDTH_STEP) * REC_WIDTH_STEP);
  const data = new Float32Array(3 * REC_HEIGHT * paddedWidth);
  const sx = cropWidth / width;
  const sy = cropHeight / REC_HEIGHT;
  for (let y = 0; y < REC_HEIGHT; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const value = sampleRgb(image, box.x0 + (x + 0.5) * sx - 0.5, box.y0 + (y + 0.5) * sy - 0.5, 2 - c) / 255;
        data[(c * REC_HEIGHT + y) * paddedWidth + x] = (value - 0.5) / 0.5;
      }
    }
  }
  return { type: 'float32', dims: [1, 3, REC_HEIGHT, paddedWidth], data };
}

/**
 * Greedy CTC decoding: the best class per time step, repeats merged, blanks (class 0) dropped.
 * Class i ≥ 1 is `alphabet[i - 1]`. Confidence is the mean probability of the kept steps.
 * @param {Float32Array} probabilities `steps × classes`, softmaxed
 * @param {number} classes
 * @param {string[]} alphabet
 */
export function decodeCtc(probabilities, classes, alphabet) {
  const steps = probabilities.length / classes;
  let text = '';
  let previous = 0;
  let sum = 0;
  let kept = 0;
  for (let step = 0; step < steps; step++) {
    let best = 0;
    let bestProbability = -1;
    for (let k = 0; k < classes; k++) {
      const p = probabilities[step * classes + k];
      if (p > bestProbability) {
        bestProbability = p;
        best = k;
      }
    }
    if (best !== 0 && best !== previous) {
      text += alphabet[best - 1] ?? '';
      sum += bestProbability;
      kept += 1;
    }
    previous = best;
  }
  return { text, confidence: kept > 0 ? sum / kept : 0 };
}

/**
 * PaddleOCR's alphabet: one character per line of the dictionary, then a space.
 * @param {string} dictionary the contents of `ppocr_keys_v1.txt`
 */
export function readAlphabet(dictionary) {
  const characters = dictionary.split(/\r?\n/);
  if (characters.at(-1) === '') characters.pop();
  return [...characters, ' '];
}

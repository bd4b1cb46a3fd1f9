import { describe, expect, it } from 'vitest';
import { decodeCtc, detectionShape, findTextBoxes, REC_PROFILE, readAlphabet, recognitionInput } from '../src/ocr.mjs';

describe('OCR pre- and post-processing', () => {
  it('runs detection at multiples of 32, the longer side at most 960', () => {
    expect(detectionShape(640, 192)).toEqual([1, 3, 192, 640]);
    expect(detectionShape(1920, 1080)).toEqual([1, 3, 544, 960]);
    expect(detectionShape(10, 10)).toEqual([1, 3, 32, 32]);
  });

  it('finds one box per text region in reading order, drops faint ones, maps to image pixels', () => {
    const width = 64;
    const height = 32;
    const map = new Float32Array(width * height);
    const fill = (x0, y0, x1, y1, p) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) map[y * width + x] = p;
    };
    fill(30, 4, 60, 10, 0.9); // first line, right
    fill(2, 4, 20, 10, 0.95); // first line, left
    fill(2, 20, 50, 27, 0.8); // second line
    fill(40, 28, 44, 31, 0.4); // above the pixel threshold, below the box threshold
    const boxes = findTextBoxes(map, { width, height }, { width: 128, height: 64 });
    expect(boxes).toHaveLength(3);
    expect(boxes.map((box) => box.x0 < 20)).toEqual([true, false, true]);
    const [left] = boxes;
    // The 18×6 region grows by 18·6·1.5/(2·24) = 3.375 map pixels on each side, then ×2 to image pixels.
    expect(left).toMatchObject({ x0: 0, y0: 1, x1: 47, y1: 27 });
    expect(left.score).toBeCloseTo(0.95);
  });

  it('decodes CTC: repeats merge, blanks separate, confidence is the mean kept probability', () => {
    const alphabet = readAlphabet('a\nb\n');
    expect(alphabet).toEqual(['a', 'b', ' ']);
    const steps = [1, 1, 0, 1, 2, 2, 3];
    const probabilities = new Float32Array(steps.length * 4);
    steps.forEach((k, step) => {
      probabilities.fill(0.1, step * 4, step * 4 + 4);
      probabilities[step * 4 + k] = 0.7;
    });
    const { text, confidence } = decodeCtc(probabilities, 4, alphabet);
    expect(text).toBe('aab ');
    expect(confidence).toBeCloseTo(0.7);
  });

  it('scales a crop to height 48 keeping its aspect ratio, zero-padded to a multiple of 8 within the profile', () => {
    const image = { width: 3000, height: 20, rgb: new Uint8Array(3000 * 20 * 3).fill(255) };
    const crop = (width) => recognitionInput(image, { x0: 0, y0: 0, x1: width, y1: 20 });
    // 101×20 at height 48 is 243 wide (white, 1 after normalizing), padded with 0 to 248.
    const input = crop(101);
    expect(input.dims).toEqual([1, 3, 48, 248]);
    expect(input.data[242]).toBeCloseTo(1);
    expect(input.data[243]).toBe(0);
    expect(input.data[248 * 48 + 242]).toBeCloseTo(1);
    // Narrow crops pad up to the profile's minimum width; long ones are squeezed to its maximum.
    expect(crop(10).dims).toEqual([1, 3, 48, REC_PROFILE.min[3]]);
    expect(crop(2000).dims).toEqual([1, 3, 48, REC_PROFILE.max[3]]);
  });
});

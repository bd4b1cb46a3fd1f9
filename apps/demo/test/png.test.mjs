import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { decodePng, readPng } from '../src/png.mjs';

const sample = path.join(__dirname, '..', 'data', 'sample.png');

/** A PNG of `pixels` (rows of channel values) with each row's filter chosen by `filterOf(row)`. */
function encodePng(width, height, color, pixels, channels, filterOf = () => 0, palette) {
  const chunk = (type, body) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body, Buffer.alloc(4)]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = color;
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const filter = filterOf(y);
    raw[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) {
      const value = pixels[y * stride + x];
      const left = x >= channels ? pixels[y * stride + x - channels] : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const upLeft = y > 0 && x >= channels ? pixels[(y - 1) * stride + x - channels] : 0;
      const p = left + up - upLeft;
      const paeth = Math.abs(p - left) <= Math.abs(p - up) && Math.abs(p - left) <= Math.abs(p - upLeft) ? left : Math.abs(p - up) <= Math.abs(p - upLeft) ? up : upLeft;
      const predicted = [0, left, up, (left + up) >> 1, paeth][filter];
      raw[y * (stride + 1) + 1 + x] = (value - predicted) & 255;
    }
  }
  const chunks = [chunk('IHDR', header)];
  if (palette) chunks.push(chunk('PLTE', Buffer.from(palette)));
  chunks.push(chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), ...chunks]);
}

describe('PNG decoding', () => {
  it('reads the shipped sample: white paper, dark text', () => {
    const image = readPng(sample);
    expect([image.width, image.height]).toEqual([640, 192]);
    expect([...image.rgb.subarray(0, 3)]).toEqual([255, 255, 255]);
    let dark = 0;
    for (let i = 0; i < image.rgb.length; i += 3) if (image.rgb[i] < 80) dark += 1;
    expect(dark).toBeGreaterThan(2000);
  });

  it('undoes every row filter for RGB, grey, grey+alpha and palette images', () => {
    const width = 7;
    const height = 5;
    const rgb = Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + (i >> 3) * 11) & 255);
    const decoded = decodePng(encodePng(width, height, 2, rgb, 3, (y) => y % 5));
    expect([...decoded.rgb]).toEqual(rgb);
    const grey = Array.from({ length: width * height }, (_, i) => (i * 53) & 255);
    expect([...decodePng(encodePng(width, height, 0, grey, 1, (y) => (y + 2) % 5)).rgb]).toEqual(grey.flatMap((v) => [v, v, v]));
    const greyAlpha = grey.flatMap((v) => [v, 0]);
    expect([...decodePng(encodePng(width, height, 4, greyAlpha, 2, (y) => (y + 4) % 5)).rgb].every((v) => v === 255)).toBe(true);
    const palette = [10, 20, 30, 200, 100, 50];
    const indices = Array.from({ length: width * height }, (_, i) => i % 2);
    expect([...decodePng(encodePng(width, height, 3, indices, 1, () => 1, palette)).rgb.subarray(0, 6)]).toEqual(palette);
  });

  it('says clearly when the file is missing, not a PNG, or truncated', () => {
    const expectCode = (run, found) => {
      try {
        run();
        expect.unreachable();
      } catch (error) {
        expect(KilnError.isInstance(error, 'ERR_DEMO_INPUT')).toBe(true);
        expect(error.message).toMatch(found);
        expect(error.hint).toBeTruthy();
      }
    };
    expectCode(() => readPng(path.join(os.tmpdir(), 'kiln-no-such-image.png')), /ENOENT/);
    expectCode(() => decodePng(Buffer.from('GIF89a not a png')), /no PNG signature/);
    const bytes = fs.readFileSync(sample);
    expectCode(() => decodePng(bytes.subarray(0, 200)), /truncated|corrupt/);
  });
});

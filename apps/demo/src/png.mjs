// A small PNG decoder (non-interlaced; grey, grey+alpha, RGB, RGBA, palette; 8 or 16 bits), so
// the demo reads its input image with nothing but node:zlib.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { KilnError } from '@kiln/common';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Read a PNG file as 8-bit RGB pixels (alpha composited over white).
 * @param {string} file
 * @returns {{ width: number, height: number, rgb: Uint8Array }}
 */
export function readPng(file) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new KilnError('ERR_DEMO_INPUT', `Cannot read the input image ${file}.`, {
      found: error.code ?? String(error),
      hint: 'Pass a readable PNG with --image=path/to/file.png, or run without --image to use the sample.',
      cause: error,
    });
  }
  return decodePng(bytes, file);
}

/**
 * Decode PNG bytes as 8-bit RGB.
 * @param {Uint8Array} bytes
 * @param {string} [where] file name for error messages
 */
export function decodePng(bytes, where = 'image') {
  const fail = (found) =>
    new KilnError('ERR_DEMO_INPUT', `${where} is not a PNG the demo can read.`, {
      expected: 'a non-interlaced PNG (grey, RGB, RGBA or palette, 8 or 16 bits per channel)',
      found,
      hint: 'Convert it, e.g. `convert input.jpg -depth 8 input.png` (ImageMagick).',
    });
  if (bytes.length < 8 || SIGNATURE.some((value, index) => bytes[index] !== value)) throw fail('no PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header;
  let palette;
  const data = [];
  for (let offset = 8; offset + 8 <= bytes.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (body.length !== length) throw fail(`a truncated ${type} chunk`);
    if (type === 'IHDR') {
      header = { width: view.getUint32(offset + 8), height: view.getUint32(offset + 12), depth: body[8], color: body[9], interlace: body[12] };
    } else if (type === 'PLTE') {
      palette = body;
    } else if (type === 'IDAT') {
      data.push(body);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  if (!header) throw fail('no IHDR chunk');
  const channels = CHANNELS[header.color];
  if (channels === undefined || ![8, 16].includes(header.depth) || header.interlace !== 0) {
    throw fail(`colour type ${header.color}, ${header.depth} bits, ${header.interlace ? 'interlaced' : 'not interlaced'}`);
  }
  if (header.color === 3 && !palette) throw fail('a palette image without a PLTE chunk');
  if (header.width === 0 || header.height === 0 || header.width * header.height > 64e6) throw fail(`${header.width}×${header.height} pixels`);
  let raw;
  try {
    raw = zlib.inflateSync(Buffer.concat(data));
  } catch (error) {
    throw fail(`corrupt image data (${error.message})`);
  }
  const pixelBytes = (channels * header.depth) / 8;
  const stride = header.width * pixelBytes;
  if (raw.length < header.height * (stride + 1)) throw fail(`${raw.length} bytes of pixel data for ${header.width}×${header.height}`);
  const rows = unfilter(raw, header.height, stride, pixelBytes, fail);
  return { width: header.width, height: header.height, rgb: toRgb(rows, header, channels, palette) };
}

function unfilter(raw, height, stride, pixelBytes, fail) {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= pixelBytes ? out[row + x - pixelBytes] : 0;
      const up = y > 0 ? out[row - stride + x] : 0;
      const upLeft = y > 0 && x >= pixelBytes ? out[row - stride + x - pixelBytes] : 0;
      let predicted;
      if (filter === 0) predicted = 0;
      else if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) predicted = paeth(left, up, upLeft);
      else throw fail(`row filter ${filter} in row ${y}`);
      out[row + x] = (line[x] + predicted) & 255;
    }
  }
  return out;
}

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function toRgb(rows, header, channels, palette) {
  const count = header.width * header.height;
  const rgb = new Uint8Array(count * 3);
  const step = header.depth / 8;
  // 16-bit samples: the high byte is the 8-bit value.
  const sample = (pixel, channel) => rows[(pixel * channels + channel) * step];
  for (let i = 0; i < count; i++) {
    let r;
    let g;
    let b;
    let alpha = 255;
    if (header.color === 3) {
      const entry = sample(i, 0) * 3;
      [r, g, b] = [palette[entry] ?? 0, palette[entry + 1] ?? 0, palette[entry + 2] ?? 0];
    } else if (channels <= 2) {
      r = g = b = sample(i, 0);
      if (channels === 2) alpha = sample(i, 1);
    } else {
      [r, g, b] = [sample(i, 0), sample(i, 1), sample(i, 2)];
      if (channels === 4) alpha = sample(i, 3);
    }
    const over = (value) => Math.round((value * alpha + 255 * (255 - alpha)) / 255);
    rgb[i * 3] = over(r);
    rgb[i * 3 + 1] = over(g);
    rgb[i * 3 + 2] = over(b);
  }
  return rgb;
}

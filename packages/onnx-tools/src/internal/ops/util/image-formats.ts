// Decoders for the lossless image formats ImageDecoder reads in plain TypeScript: PNG (8-bit,
// non-interlaced), BMP (24/32-bit uncompressed), PNM (P5/P6, maxval 255) and TIFF (uncompressed
// 8-bit strips). Each returns RGB pixels, row-major, 3 bytes per pixel.
import { inflateSync } from 'node:zlib';

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3 bytes: R, G, B. */
  pixels: Uint8Array;
}

/** Thrown for well-formed files that use a feature these decoders do not implement. */
export class UnsupportedImage extends Error {}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(bytes: Uint8Array): RgbImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let colorType = 0;
  let palette: Uint8Array = new Uint8Array(0);
  const data: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const chunk = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      colorType = chunk[9]!;
      if (chunk[8] !== 8 || chunk[12] !== 0) throw new UnsupportedImage('PNG: only 8-bit, non-interlaced images are supported');
    } else if (type === 'PLTE') palette = chunk;
    else if (type === 'IDAT') data.push(chunk);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (!channels || width === 0 || height === 0) throw new UnsupportedImage(`PNG: color type ${colorType} or size ${width}x${height} not supported`);
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? rows[y * stride + x - channels]! : 0;
      const b = y > 0 ? rows[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? rows[(y - 1) * stride + x - channels]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new UnsupportedImage(`PNG: unknown filter ${filter}`);
      rows[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const rgb = colorType === 3 ? palette.subarray(rows[s]! * 3, rows[s]! * 3 + 3) : channels >= 3 ? rows.subarray(s, s + 3) : [rows[s]!, rows[s]!, rows[s]!];
    pixels.set(rgb, p * 3);
  }
  return { width, height, pixels };
}

export function decodeBmp(bytes: Uint8Array): RgbImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = view.getUint32(10, true);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bits = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if ((bits !== 24 && bits !== 32) || (compression !== 0 && compression !== 3)) throw new UnsupportedImage(`BMP: ${bits}-bit, compression ${compression} not supported`);
  const height = Math.abs(rawHeight);
  const stride = Math.ceil((width * bits) / 32) * 4;
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    // Rows are stored bottom-up unless the height is negative.
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const s = row + (x * bits) / 8;
      pixels.set([bytes[s + 2]!, bytes[s + 1]!, bytes[s]!], (y * width + x) * 3);
    }
  }
  return { width, height, pixels };
}

export function decodePnm(bytes: Uint8Array): RgbImage {
  const fields: string[] = [];
  let at = 0;
  while (fields.length < 4 && at < bytes.length) {
    while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]!))) at++;
    if (bytes[at] === 0x23) {
      while (at < bytes.length && bytes[at] !== 0x0a) at++;
      continue;
    }
    let token = '';
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at]!))) token += String.fromCharCode(bytes[at++]!);
    fields.push(token);
  }
  const [magic, w, h, max] = fields;
  if ((magic !== 'P5' && magic !== 'P6') || max !== '255') throw new UnsupportedImage(`PNM: ${magic} with maxval ${max} not supported`);
  const [width, height] = [Number(w), Number(h)];
  const body = bytes.subarray(at + 1);
  const pixels = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    if (magic === 'P6') pixels.set(body.subarray(p * 3, p * 3 + 3), p * 3);
    else pixels.fill(body[p]!, p * 3, p * 3 + 3);
  }
  return { width, height, pixels };
}

export function decodeTiff(bytes: Uint8Array): RgbImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[0] === 0x49;
  const u16 = (o: number) => view.getUint16(o, little);
  const u32 = (o: number) => view.getUint32(o, little);
  const ifd = u32(4);
  const tags = new Map<number, number[]>();
  for (let i = 0; i < u16(ifd); i++) {
    const entry = ifd + 2 + i * 12;
    const [tag, type, count] = [u16(entry), u16(entry + 2), u32(entry + 4)];
    const size = type === 3 ? 2 : type === 4 ? 4 : 1;
    const base = count * size <= 4 ? entry + 8 : u32(entry + 8);
    tags.set(tag, Array.from({ length: count }, (_, k) => (size === 2 ? u16(base + 2 * k) : size === 4 ? u32(base + 4 * k) : bytes[base + k]!)));
  }
  const one = (tag: number, fallback: number) => tags.get(tag)?.[0] ?? fallback;
  const [width, height, compression, samples, photometric] = [one(256, 0), one(257, 0), one(259, 1), one(277, 1), one(262, 2)];
  if (compression !== 1 || (tags.get(258) ?? [8]).some((b) => b !== 8) || one(284, 1) !== 1) throw new UnsupportedImage('TIFF: only uncompressed, 8-bit, chunky images are supported');
  const strips = tags.get(273) ?? [];
  const stripRows = one(278, height);
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const start = strips[Math.floor(y / stripRows)]! + (y % stripRows) * width * samples;
    for (let x = 0; x < width; x++) {
      const s = start + x * samples;
      const gray = photometric === 0 ? 255 - bytes[s]! : bytes[s]!;
      pixels.set(samples >= 3 ? bytes.subarray(s, s + 3) : [gray, gray, gray], (y * width + x) * 3);
    }
  }
  return { width, height, pixels };
}

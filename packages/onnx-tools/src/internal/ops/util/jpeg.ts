// A baseline JPEG decoder (Huffman, 8-bit, any sampling factors, restart intervals) that follows
// libjpeg's default arithmetic exactly: the integer "islow" IDCT, "fancy" triangle upsampling of
// 2x subsampled chroma and the fixed-point YCbCr -> RGB tables, so its pixels match libjpeg's.
import { type RgbImage, UnsupportedImage } from './image-formats.js';

interface Component {
  id: number;
  h: number;
  v: number;
  table: number;
  dcTable: number;
  acTable: number;
  /** Blocks per line and column, padded to whole MCUs. */
  blocksWide: number;
  blocksHigh: number;
  coefficients: Int32Array;
  prediction: number;
}

interface Huffman {
  /** (length << 16 | code) -> symbol. */
  lookup: Map<number, number>;
}

const ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63];

function buildHuffman(counts: Uint8Array, symbols: Uint8Array): Huffman {
  const lookup = new Map<number, number>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < counts[length - 1]!; i++) lookup.set((length << 16) | code++, symbols[k++]!);
    code <<= 1;
  }
  return { lookup };
}

class BitReader {
  private bit = 0;
  private byte = 0;
  constructor(private readonly data: Uint8Array, private at: number) {}
  read(): number {
    if (this.bit === 0) {
      if (this.at >= this.data.length) throw new UnsupportedImage('JPEG: scan data ends early');
      this.byte = this.data[this.at++]!;
      if (this.byte === 0xff) this.at++; // skip the stuffed zero
      this.bit = 8;
    }
    this.bit--;
    return (this.byte >> this.bit) & 1;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.read();
    return v;
  }
  decode(table: Huffman): number {
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.read();
      const symbol = table.lookup.get((length << 16) | code);
      if (symbol !== undefined) return symbol;
    }
    throw new UnsupportedImage('JPEG: bad Huffman code');
  }
  /** Skips to the next restart marker: drops the partial byte and the marker itself. */
  restart(): void {
    this.bit = 0;
    while (this.at < this.data.length && !(this.data[this.at] === 0xff && this.data[this.at + 1]! >= 0xd0 && this.data[this.at + 1]! <= 0xd7)) this.at++;
    this.at += 2;
  }
}

function extend(value: number, size: number): number {
  return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
}

/** libjpeg's jpeg_idct_islow on one dequantized block (natural order), writing clamped samples. */
function idct(block: Int32Array, out: Uint8Array, outOffset: number, stride: number): void {
  const work = new Float64Array(64);
  const shift = (x: number, n: number) => Math.floor((x + 2 ** (n - 1)) / 2 ** n);
  const pass = (get: (k: number) => number, put: (k: number, v: number) => void, bits: number) => {
    let z2 = get(2);
    let z3 = get(6);
    let z1 = (z2 + z3) * 4433;
    const t2 = z1 + z3 * -15137;
    const t3 = z1 + z2 * 6270;
    z2 = get(0);
    z3 = get(4);
    const t0 = (z2 + z3) * 8192;
    const t1 = (z2 - z3) * 8192;
    const [e10, e13, e11, e12] = [t0 + t3, t0 - t3, t1 + t2, t1 - t2];
    let [o0, o1, o2, o3] = [get(7), get(5), get(3), get(1)];
    z1 = o0 + o3;
    z2 = o1 + o2;
    z3 = o0 + o2;
    let z4 = o1 + o3;
    const z5 = (z3 + z4) * 9633;
    o0 *= 2446;
    o1 *= 16819;
    o2 *= 25172;
    o3 *= 12299;
    z1 *= -7373;
    z2 *= -20995;
    z3 = z3 * -16069 + z5;
    z4 = z4 * -3196 + z5;
    o0 += z1 + z3;
    o1 += z2 + z4;
    o2 += z2 + z3;
    o3 += z1 + z4;
    put(0, shift(e10 + o3, bits)); put(7, shift(e10 - o3, bits));
    put(1, shift(e11 + o2, bits)); put(6, shift(e11 - o2, bits));
    put(2, shift(e12 + o1, bits)); put(5, shift(e12 - o1, bits));
    put(3, shift(e13 + o0, bits)); put(4, shift(e13 - o0, bits));
  };
  // Columns first (descaled by CONST_BITS - PASS1_BITS), then rows (by CONST_BITS + PASS1_BITS + 3).
  for (let c = 0; c < 8; c++) pass((k) => block[k * 8 + c]!, (k, v) => (work[k * 8 + c] = v), 11);
  for (let r = 0; r < 8; r++) {
    pass((k) => work[r * 8 + k]!, (k, v) => (out[outOffset + r * stride + k] = Math.min(255, Math.max(0, v + 128))), 18);
  }
}

/** libjpeg's h2v2 / h2v1 / h1v2 "fancy" upsampling of one plane to `width` x `height`. */
function upsample(plane: Uint8Array, planeWidth: number, planeHeight: number, h: number, v: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const row = (y: number) => Math.min(Math.max(y, 0), planeHeight - 1) * planeWidth;
  for (let y = 0; y < height; y++) {
    const source = v === 2 ? y >> 1 : y;
    const near = row(source);
    const far = v === 2 ? row(y & 1 ? source + 1 : source - 1) : near;
    const column = (x: number) => (v === 2 ? plane[near + x]! * 3 + plane[far + x]! : plane[near + x]!);
    for (let x = 0; x < width; x++) {
      const sx = h === 2 ? x >> 1 : x;
      if (h === 1) {
        out[y * width + x] = v === 2 ? (column(sx) + (y & 1 ? 2 : 1)) >> 2 : column(sx);
        continue;
      }
      const here = column(sx);
      const neighbor = column(Math.min(Math.max(x & 1 ? sx + 1 : sx - 1, 0), planeWidth - 1));
      if (v === 2) out[y * width + x] = (here * 3 + neighbor + (x & 1 ? 7 : 8)) >> 4;
      else out[y * width + x] = (here * 3 + neighbor + (x & 1 ? 2 : 1)) >> 2;
    }
  }
  return out;
}

export function decodeJpeg(bytes: Uint8Array): RgbImage & { channels: number } {
  const quant: Int32Array[] = [];
  const dc: Huffman[] = [];
  const ac: Huffman[] = [];
  let components: Component[] = [];
  let width = 0;
  let height = 0;
  let restartInterval = 0;
  let at = 2;
  let maxH = 1;
  let maxV = 1;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) throw new UnsupportedImage('JPEG: marker expected');
    const marker = bytes[at + 1]!;
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    const body = bytes.subarray(at + 4, at + 2 + length);
    if (marker === 0xd9) break;
    if (marker === 0xdb) {
      for (let p = 0; p < body.length; p += 65) {
        if (body[p]! >> 4) throw new UnsupportedImage('JPEG: 16-bit quantization tables are not supported');
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++) table[ZIGZAG[k]!] = body[p + 1 + k]!;
        quant[body[p]! & 15] = table;
      }
    } else if (marker === 0xc4) {
      for (let p = 0; p < body.length; ) {
        const counts = body.subarray(p + 1, p + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        (body[p]! >> 4 ? ac : dc)[body[p]! & 15] = buildHuffman(counts, body.subarray(p + 17, p + 17 + total));
        p += 17 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (body[0] !== 8) throw new UnsupportedImage('JPEG: only 8-bit samples are supported');
      height = (body[1]! << 8) | body[2]!;
      width = (body[3]! << 8) | body[4]!;
      components = Array.from({ length: body[5]! }, (_, c) => ({
        id: body[6 + 3 * c]!, h: body[7 + 3 * c]! >> 4, v: body[7 + 3 * c]! & 15, table: body[8 + 3 * c]!,
        dcTable: 0, acTable: 0, blocksWide: 0, blocksHigh: 0, coefficients: new Int32Array(0), prediction: 0,
      }));
      maxH = Math.max(...components.map((c) => c.h));
      maxV = Math.max(...components.map((c) => c.v));
      for (const c of components) {
        c.blocksWide = Math.ceil(width / (8 * maxH)) * c.h;
        c.blocksHigh = Math.ceil(height / (8 * maxV)) * c.v;
        c.coefficients = new Int32Array(c.blocksWide * c.blocksHigh * 64);
      }
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new UnsupportedImage('JPEG: only baseline (sequential Huffman) images are supported');
    } else if (marker === 0xdd) restartInterval = (body[0]! << 8) | body[1]!;
    else if (marker === 0xda) {
      const scan = Array.from({ length: body[0]! }, (_, s) => {
        const c = components.find((x) => x.id === body[1 + 2 * s])!;
        c.dcTable = body[2 + 2 * s]! >> 4;
        c.acTable = body[2 + 2 * s]! & 15;
        return c;
      });
      const reader = new BitReader(bytes, at + 2 + length);
      const single = scan.length === 1;
      const mcusWide = single ? Math.ceil((Math.ceil((width * scan[0]!.h) / maxH)) / 8) : Math.ceil(width / (8 * maxH));
      const mcusHigh = single ? Math.ceil((Math.ceil((height * scan[0]!.v) / maxV)) / 8) : Math.ceil(height / (8 * maxV));
      let count = 0;
      for (let my = 0; my < mcusHigh; my++)
        for (let mx = 0; mx < mcusWide; mx++) {
          if (restartInterval && count > 0 && count % restartInterval === 0) {
            reader.restart();
            for (const c of scan) c.prediction = 0;
          }
          count++;
          for (const c of scan) {
            const [bw, bh] = single ? [1, 1] : [c.h, c.v];
            for (let by = 0; by < bh; by++)
              for (let bx = 0; bx < bw; bx++) {
                const block = ((my * bh + by) * c.blocksWide + mx * bw + bx) * 64;
                const size = reader.decode(dc[c.dcTable]!);
                c.prediction += size ? extend(reader.bits(size), size) : 0;
                const q = quant[c.table]!;
                c.coefficients[block] = c.prediction * q[0]!;
                for (let k = 1; k < 64; ) {
                  const symbol = reader.decode(ac[c.acTable]!);
                  const run = symbol >> 4;
                  const s = symbol & 15;
                  if (s === 0) {
                    if (run !== 15) break;
                    k += 16;
                    continue;
                  }
                  k += run;
                  const z = ZIGZAG[k++]!;
                  c.coefficients[block + z] = extend(reader.bits(s), s) * q[z]!;
                }
              }
          }
        }
      break;
    }
    at += 2 + length;
  }
  if (components.length !== 1 && components.length !== 3) throw new UnsupportedImage(`JPEG: ${components.length} components are not supported`);
  // Inverse DCT of every block, then each component's plane upsampled to full size.
  const planes = components.map((c) => {
    const planeWidth = c.blocksWide * 8;
    const plane = new Uint8Array(planeWidth * c.blocksHigh * 8);
    for (let by = 0; by < c.blocksHigh; by++)
      for (let bx = 0; bx < c.blocksWide; bx++) idct(c.coefficients.subarray((by * c.blocksWide + bx) * 64, (by * c.blocksWide + bx + 1) * 64), plane, by * 8 * planeWidth + bx * 8, planeWidth);
    if (c.h === maxH && c.v === maxV) return { plane, stride: planeWidth };
    const compWidth = Math.ceil((width * c.h) / maxH);
    const compHeight = Math.ceil((height * c.v) / maxV);
    const cropped = new Uint8Array(compWidth * compHeight);
    for (let y = 0; y < compHeight; y++) cropped.set(plane.subarray(y * planeWidth, y * planeWidth + compWidth), y * compWidth);
    return { plane: upsample(cropped, compWidth, compHeight, maxH / c.h, maxV / c.v, width, height), stride: width };
  });
  const pixels = new Uint8Array(width * height * 3);
  const fix = (x: number) => Math.floor(x * 65536 + 0.5);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const luma = planes[0]!.plane[y * planes[0]!.stride + x]!;
      if (planes.length === 1) {
        pixels.fill(luma, (y * width + x) * 3, (y * width + x) * 3 + 3);
        continue;
      }
      const cb = planes[1]!.plane[y * planes[1]!.stride + x]! - 128;
      const cr = planes[2]!.plane[y * planes[2]!.stride + x]! - 128;
      const clamp = (v: number) => Math.min(255, Math.max(0, v));
      const r = luma + Math.floor((fix(1.402) * cr + 32768) / 65536);
      const g = luma + Math.floor((-fix(0.34414) * cb + 32768 - fix(0.71414) * cr) / 65536);
      const b = luma + Math.floor((fix(1.772) * cb + 32768) / 65536);
      pixels.set([clamp(r), clamp(g), clamp(b)], (y * width + x) * 3);
    }
  return { width, height, pixels, channels: components.length };
}

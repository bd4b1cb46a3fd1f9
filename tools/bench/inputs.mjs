// Inputs for the accuracy benchmark (tools/bench/precision.mjs), more like real data than
// uniform noise, so calibration sees the kind of activations a deployed model sees:
// - structured images: a lit color gradient with 3-8 soft-edged, textured shapes and mild noise,
//   normalized with ImageNet's mean and std (NCHW float inputs of 3 channels);
// - structured token sequences: a start id, Zipf-distributed ids (exponent 1.1, as word
//   frequencies are), an end id, then padding with a zero attention mask for about half of them;
// - crops of real images (PNG files read by the demo's decoder, e.g. scikit-image's sample photos from Debian's
//   python3-skimage package): a random square of 35-100% of the short side, mirrored half the
//   time, resampled bilinearly and normalized like the structured images.
// Every input is a function of its seed.
import { seededRandom } from '@kiln/common';
import { readPng } from '@kiln/demo/png';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** Structured seeded feeds ({ type, dims, data }) for every input of `model` at `shapes`. */
export function structuredInputs(model, shapes, seed) {
  const next = seededRandom(seed);
  const feeds = {};
  const tokens = tokenSequences(shapes, model, next);
  for (const input of model.inputs) {
    const dims = shapes[input.name];
    if (input.dtype === 'float32' && isImage(dims)) {
      feeds[input.name] = { type: 'float32', dims, data: batchOf(dims, () => normalize(syntheticImage(dims[2], dims[3], next), dims[2], dims[3])) };
    } else if (input.dtype === 'float32') {
      const count = dims.reduce((a, b) => a * b, 1);
      feeds[input.name] = { type: 'float32', dims, data: Float32Array.from({ length: count }, () => next() * 2 - 1) };
    } else {
      feeds[input.name] = { type: 'int64', dims, data: tokens(input.name) };
    }
  }
  return feeds;
}

/** A PNG file as { width, height, rgb } with rgb in [0, 1] (HWC), for imageInputs. */
export function readImage(file) {
  const { width, height, rgb } = readPng(file);
  return { width, height, rgb: Float32Array.from(rgb, (v) => v / 255) };
}

/**
 * `count` feeds for a model with one image input, each a seeded crop of one of `images` (from
 * readImage, cycling through them). Throws if the model has another kind of input.
 */
export function imageInputs(images, model, shapes, count, seed) {
  const [input] = model.inputs;
  const dims = shapes[input.name];
  if (model.inputs.length !== 1 || input.dtype !== 'float32' || !isImage(dims)) throw new Error(`${model.name}: real images need one [N, 3, H, W] float input`);
  const next = seededRandom(seed);
  let index = 0;
  return Array.from({ length: count }, () => ({
    [input.name]: { type: 'float32', dims, data: batchOf(dims, () => normalize(crop(images[index++ % images.length], dims[2], dims[3], next), dims[2], dims[3])) },
  }));
}

export const isImage = (dims) => dims.length === 4 && dims[1] === 3 && dims[2] >= 16 && dims[3] >= 16;

function batchOf(dims, image) {
  const size = dims[1] * dims[2] * dims[3];
  const data = new Float32Array(dims[0] * size);
  for (let n = 0; n < dims[0]; n++) data.set(image(), n * size);
  return data;
}

/** HWC RGB in [0, 1] -> CHW, normalized per channel. */
function normalize(rgb, height, width) {
  const out = new Float32Array(3 * height * width);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < height * width; p++) out[c * height * width + p] = (rgb[p * 3 + c] - MEAN[c]) / STD[c];
  }
  return out;
}

function syntheticImage(height, width, next) {
  const rgb = new Float32Array(height * width * 3);
  const color = () => [next(), next(), next()];
  const [from, to] = [color(), color()];
  const angle = next() * 2 * Math.PI;
  const light = { x: next(), y: next(), strength: 0.2 + 0.4 * next() };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + (x / width - 0.5) * Math.cos(angle) + (y / height - 0.5) * Math.sin(angle)));
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = from[c] + (to[c] - from[c]) * t;
    }
  }
  const shapes = 3 + Math.floor(next() * 6);
  for (let s = 0; s < shapes; s++) {
    const shape = { round: next() < 0.5, cx: next() * width, cy: next() * height, rx: (0.05 + 0.3 * next()) * width, ry: (0.05 + 0.3 * next()) * height };
    const fill = color();
    const edge = 1 + next() * 4;
    const stripes = { period: 3 + next() * 20, angle: next() * Math.PI, depth: next() < 0.5 ? 0 : 0.1 + 0.2 * next() };
    for (let y = Math.max(0, Math.floor(shape.cy - shape.ry - edge)); y < Math.min(height, shape.cy + shape.ry + edge); y++) {
      for (let x = Math.max(0, Math.floor(shape.cx - shape.rx - edge)); x < Math.min(width, shape.cx + shape.rx + edge); x++) {
        const dx = (x - shape.cx) / shape.rx;
        const dy = (y - shape.cy) / shape.ry;
        const inside = shape.round ? 1 - Math.hypot(dx, dy) : 1 - Math.max(Math.abs(dx), Math.abs(dy));
        const cover = Math.min(1, Math.max(0, (inside * Math.min(shape.rx, shape.ry)) / edge));
        if (cover === 0) continue;
        const wave = 1 + stripes.depth * Math.sin((2 * Math.PI * (x * Math.cos(stripes.angle) + y * Math.sin(stripes.angle))) / stripes.period);
        for (let c = 0; c < 3; c++) {
          const at = (y * width + x) * 3 + c;
          rgb[at] += (fill[c] * wave - rgb[at]) * cover;
        }
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shade = 1 - light.strength * Math.hypot(x / width - light.x, y / height - light.y);
      for (let c = 0; c < 3; c++) {
        const at = (y * width + x) * 3 + c;
        rgb[at] = Math.min(1, Math.max(0, rgb[at] * shade + (next() - 0.5) * 0.04));
      }
    }
  }
  return rgb;
}

function crop(image, height, width, next) {
  const side = Math.min(image.width, image.height) * (0.35 + 0.65 * next());
  const left = next() * (image.width - side);
  const top = next() * (image.height - side);
  const mirror = next() < 0.5;
  const rgb = new Float32Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = mirror ? width - 1 - x : x;
      const sx = Math.min(image.width - 1, left + ((u + 0.5) * side) / width - 0.5);
      const sy = Math.min(image.height - 1, top + ((y + 0.5) * side) / height - 0.5);
      const x0 = Math.max(0, Math.floor(sx));
      const y0 = Math.max(0, Math.floor(sy));
      const x1 = Math.min(image.width - 1, x0 + 1);
      const y1 = Math.min(image.height - 1, y0 + 1);
      const fx = Math.max(0, sx - x0);
      const fy = Math.max(0, sy - y0);
      for (let c = 0; c < 3; c++) {
        const at = (yy, xx) => image.rgb[(yy * image.width + xx) * 3 + c];
        const top0 = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
        rgb[(y * width + x) * 3 + c] = top0 + (bottom - top0) * fy;
      }
    }
  }
  return rgb;
}

/** Per input name, the int64 data of one batch of token sequences that share lengths. */
function tokenSequences(shapes, model, next) {
  const idsInput = model.inputs.find((input) => input.dtype !== 'float32' && !/mask|type/.test(input.name));
  if (!idsInput) return () => new BigInt64Array(0);
  const [batch, length] = shapes[idsInput.name];
  const vocab = Number(/\[0, (\d+)\)/.exec(idsInput.values ?? '')?.[1] ?? 4096);
  const zipf = zipfSampler(vocab - 4, 1.1);
  const ids = new BigInt64Array(batch * length);
  const mask = new BigInt64Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const used = next() < 0.5 ? length : Math.max(3, Math.ceil(length * (0.25 + 0.75 * next())));
    for (let t = 0; t < length; t++) {
      const id = t === 0 ? 1 : t === used - 1 ? 2 : t < used ? 4 + zipf(next()) : 0;
      ids[b * length + t] = BigInt(id);
      mask[b * length + t] = t < used ? 1n : 0n;
    }
  }
  return (name) => (/mask/.test(name) ? mask : /type/.test(name) ? new BigInt64Array(batch * length) : ids);
}

/** Inverse-CDF sampler of ranks 0..n-1 with P(rank) proportional to 1 / (rank + 1)^exponent. */
function zipfSampler(n, exponent) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cdf[r] = total += 1 / (r + 1) ** exponent;
  return (u) => {
    const target = u * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

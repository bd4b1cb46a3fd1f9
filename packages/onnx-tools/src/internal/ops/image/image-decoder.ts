// ImageDecoder: decode an encoded image (uint8 bytes) to [H, W, 3] RGB or BGR, or [H, W, 1]
// Grayscale (ITU-R 601 luma in PIL's fixed point). Baseline JPEG, PNG, BMP, PNM and uncompressed
// TIFF are decoded here; progressive JPEG, JPEG 2000 and WebP are refused with a coded error.
import { requireInput, stringAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, makeTensor } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
import { decodeBmp, decodePng, decodePnm, decodeTiff, type RgbImage, UnsupportedImage } from '../util/image-formats.js';
import { decodeJpeg } from '../util/jpeg.js';

function startsWith(bytes: Uint8Array, ...prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function decode(bytes: Uint8Array): RgbImage | string {
  if (startsWith(bytes, 0x89, 0x50, 0x4e, 0x47)) return decodePng(bytes);
  if (startsWith(bytes, 0x42, 0x4d)) return decodeBmp(bytes);
  if (startsWith(bytes, 0x50) && (bytes[1] === 0x35 || bytes[1] === 0x36)) return decodePnm(bytes);
  if (startsWith(bytes, 0x49, 0x49, 0x2a, 0x00) || startsWith(bytes, 0x4d, 0x4d, 0x00, 0x2a)) return decodeTiff(bytes);
  if (startsWith(bytes, 0xff, 0xd8)) return decodeJpeg(bytes);
  if (startsWith(bytes, 0x52, 0x49, 0x46, 0x46)) return 'WebP';
  if (startsWith(bytes, 0x00, 0x00, 0x00, 0x0c) || startsWith(bytes, 0xff, 0x4f)) return 'JPEG 2000';
  return 'an unknown format';
}

export const op = defineOp('ImageDecoder', 20, (inputs, attributes, context) => {
  const stream = requireInput(context, inputs, 0);
  expectType(context, stream, ['uint8']);
  const format = stringAttr(attributes, 'pixel_format', 'RGB');
  if (!['RGB', 'BGR', 'Grayscale'].includes(format)) throw evaluateError(context, 'unknown pixel_format', { expected: 'RGB, BGR, Grayscale', found: format });
  let image: RgbImage | string;
  try {
    image = decode(stream.data as Uint8Array);
  } catch (error) {
    if (error instanceof UnsupportedImage) throw evaluateError(context, error.message, { hint: 'convert the image to baseline JPEG, 8-bit PNG, BMP, PNM or uncompressed TIFF' });
    throw evaluateError(context, 'the image data is truncated or corrupt', { found: String((error as Error).message) });
  }
  if (typeof image === 'string') {
    throw evaluateError(context, `cannot decode ${image} images`, { expected: 'JPEG, PNG, BMP, PNM or uncompressed TIFF', found: image, hint: 'decode the image before the model, or convert it to PNG' });
  }
  const { width, height, pixels } = image;
  if (format === 'Grayscale') {
    const gray = new Uint8Array(width * height);
    for (let p = 0; p < gray.length; p++) gray[p] = (pixels[p * 3]! * 19595 + pixels[p * 3 + 1]! * 38470 + pixels[p * 3 + 2]! * 7471 + 0x8000) >> 16;
    return [makeTensor('uint8', [height, width, 1], gray)];
  }
  if (format === 'BGR') for (let p = 0; p < width * height; p++) [pixels[p * 3], pixels[p * 3 + 2]] = [pixels[p * 3 + 2]!, pixels[p * 3]!];
  return [makeTensor('uint8', [height, width, 3], pixels)];
});

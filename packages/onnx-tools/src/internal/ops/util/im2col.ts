// im2col / col2im over any number of spatial axes (a fast path for 2-D).
import type { FloatArray } from './gemm.js';
import type { Geometry } from './conv-geometry.js';

function product(values: readonly number[]): number {
  let p = 1;
  for (const v of values) p *= v;
  return p;
}

/**
 * Writes the [channels * prod(kernel), prod(outDims)] column matrix of `channels` input planes
 * starting at `inOffset`. Padding reads as `padValue`.
 */
export function im2col(input: FloatArray, inOffset: number, channels: number, g: Geometry, col: FloatArray, padValue = 0): void {
  const { inDims, kernel, strides, dilations, padBegin, outDims } = g;
  const outSize = product(outDims);
  const kernelSize = product(kernel);
  const inSize = product(inDims);
  if (inDims.length === 2) {
    const [H, W] = inDims as [number, number];
    const [KH, KW] = kernel as [number, number];
    const [OH, OW] = outDims as [number, number];
    const [SH, SW] = strides as [number, number];
    const [DH, DW] = dilations as [number, number];
    const [PH, PW] = padBegin as [number, number];
    let row = 0;
    for (let c = 0; c < channels; c++) {
      const plane = inOffset + c * inSize;
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++, row++) {
          let o = row * outSize;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * SH - PH + kh * DH;
            if (ih < 0 || ih >= H) {
              col.fill(padValue, o, o + OW);
              o += OW;
              continue;
            }
            const base = plane + ih * W;
            let iw = kw * DW - PW;
            for (let ow = 0; ow < OW; ow++, iw += SW) col[o++] = iw >= 0 && iw < W ? input[base + iw]! : padValue;
          }
        }
      }
    }
    return;
  }
  const rank = inDims.length;
  const k = new Array<number>(rank);
  const o = new Array<number>(rank);
  for (let c = 0; c < channels; c++) {
    for (let kp = 0; kp < kernelSize; kp++) {
      let rest = kp;
      for (let a = rank - 1; a >= 0; a--) {
        k[a] = rest % kernel[a]!;
        rest = Math.floor(rest / kernel[a]!);
      }
      const rowOffset = (c * kernelSize + kp) * outSize;
      for (let op = 0; op < outSize; op++) {
        rest = op;
        for (let a = rank - 1; a >= 0; a--) {
          o[a] = rest % outDims[a]!;
          rest = Math.floor(rest / outDims[a]!);
        }
        let index = 0;
        let inside = true;
        for (let a = 0; a < rank; a++) {
          const coordinate = o[a]! * strides[a]! - padBegin[a]! + k[a]! * dilations[a]!;
          if (coordinate < 0 || coordinate >= inDims[a]!) inside = false;
          index = index * inDims[a]! + coordinate;
        }
        col[rowOffset + op] = inside ? input[inOffset + c * inSize + index]! : padValue;
      }
    }
  }
}

/**
 * Adds a [channels * prod(kernel), prod(colDims)] column matrix back into `channels` output
 * planes of extent `g.inDims` (the transposed-convolution scatter). Here `g.outDims` are the
 * column (input-of-ConvTranspose) extents.
 */
export function col2im(col: FloatArray, channels: number, g: Geometry, output: FloatArray, outOffset: number): void {
  const { inDims, kernel, strides, dilations, padBegin, outDims } = g;
  const rank = inDims.length;
  const colSize = product(outDims);
  const kernelSize = product(kernel);
  const planeSize = product(inDims);
  const k = new Array<number>(rank);
  const o = new Array<number>(rank);
  for (let c = 0; c < channels; c++) {
    for (let kp = 0; kp < kernelSize; kp++) {
      let rest = kp;
      for (let a = rank - 1; a >= 0; a--) {
        k[a] = rest % kernel[a]!;
        rest = Math.floor(rest / kernel[a]!);
      }
      const rowOffset = (c * kernelSize + kp) * colSize;
      for (let op = 0; op < colSize; op++) {
        rest = op;
        for (let a = rank - 1; a >= 0; a--) {
          o[a] = rest % outDims[a]!;
          rest = Math.floor(rest / outDims[a]!);
        }
        let index = 0;
        let inside = true;
        for (let a = 0; a < rank; a++) {
          const coordinate = o[a]! * strides[a]! - padBegin[a]! + k[a]! * dilations[a]!;
          if (coordinate < 0 || coordinate >= inDims[a]!) inside = false;
          index = index * inDims[a]! + coordinate;
        }
        if (inside) output[outOffset + c * planeSize + index] = output[outOffset + c * planeSize + index]! + col[rowOffset + op]!;
      }
    }
  }
}

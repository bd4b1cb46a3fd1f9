import { KilnError } from '@kiln/common';

/** A tensor as read from or written to a .npy file (onnxruntime's field names). */
export interface NpyTensor {
  type: NpyType;
  dims: number[];
  data: NpyData;
}

export type NpyType = 'float32' | 'float64' | 'float16' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';
type NpyData = Float32Array | Float64Array | Uint16Array | Int8Array | Uint8Array | Int16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** NumPy descr (little-endian) for each tensor type, and the typed array holding it. */
const DESCRIPTORS: Record<NpyType, { descr: string; bytes: number; make: (buffer: ArrayBuffer, offset: number, length: number) => NpyData }> = {
  float32: { descr: '<f4', bytes: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  float64: { descr: '<f8', bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  float16: { descr: '<f2', bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  int8: { descr: '|i1', bytes: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  uint8: { descr: '|u1', bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  int16: { descr: '<i2', bytes: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  uint16: { descr: '<u2', bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  int32: { descr: '<i4', bytes: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  uint32: { descr: '<u4', bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  int64: { descr: '<i8', bytes: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  uint64: { descr: '<u8', bytes: 8, make: (b, o, n) => new BigUint64Array(b, o, n) },
  bool: { descr: '|b1', bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Encode a tensor as a version 1.0 .npy file (C order, little-endian). */
export function encodeNpy(tensor: NpyTensor): Uint8Array {
  const { descr } = DESCRIPTORS[tensor.type];
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const body = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  const out = new Uint8Array(MAGIC.length + 4 + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

/** Decode a .npy file (versions 1–3, C order, little-endian or byte-sized types). */
export function decodeNpy(bytes: Uint8Array, where = '.npy file'): NpyTensor {
  if (bytes.length < 10 || MAGIC.some((value, index) => bytes[index] !== value)) {
    throw bad(where, 'a file starting with the NumPy magic "\\x93NUMPY"', `${bytes.length} bytes without it`);
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (major < 1 || major > 3 || bytes.length < 8 + lengthBytes) throw bad(where, 'format version 1, 2 or 3', `version ${major}`);
  const headerLength = lengthBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) throw bad(where, `a header of ${headerLength} bytes`, `a file of ${bytes.length} bytes`);
  const header = new TextDecoder().decode(bytes.subarray(8 + lengthBytes, dataStart));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(where, "a header with 'descr', 'fortran_order' and 'shape'", header.trim());
  if (fortran === 'True') throw bad(where, 'C (row-major) order', 'Fortran order; save with np.ascontiguousarray');
  const type = (Object.keys(DESCRIPTORS) as NpyType[]).find((name) => sameDescr(DESCRIPTORS[name].descr, descr));
  if (type === undefined) throw bad(where, `one of ${Object.values(DESCRIPTORS).map((d) => d.descr).join(' ')}`, descr);
  const dims = shapeText.split(',').map((part) => part.trim()).filter((part) => part !== '').map(Number);
  if (dims.some((dim) => !Number.isSafeInteger(dim) || dim < 0)) throw bad(where, 'non-negative integer dims', shapeText);
  const count = dims.reduce((product, dim) => product * dim, 1);
  const { bytes: elementBytes, make } = DESCRIPTORS[type];
  if (bytes.length - dataStart < count * elementBytes) throw bad(where, `${count * elementBytes} data bytes for shape (${dims.join(', ')})`, `${bytes.length - dataStart}`);
  // Copy into a fresh aligned buffer: the data offset in the file need not be aligned for the type.
  const copy = bytes.slice(dataStart, dataStart + count * elementBytes);
  return { type, dims, data: make(copy.buffer, 0, count) };
}

function sameDescr(ours: string, theirs: string): boolean {
  if (ours === theirs) return true;
  // '=' (native) and '<' are the same on little-endian hosts; byte-sized types may use any of them.
  const normalize = (descr: string) => descr.replace(/^[=|]/, '<');
  return normalize(ours) === normalize(theirs);
}

function bad(where: string, expected: string, found: string): KilnError {
  return new KilnError('ERR_NPY', `Cannot read ${where} as a NumPy array.`, {
    where,
    expected,
    found,
    hint: 'Write it with numpy.save() (C order, little-endian) or let Kiln generate random inputs by leaving it out.',
  });
}

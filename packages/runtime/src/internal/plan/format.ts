import { alignedBytes, checksum as crc32c } from '@kiln/core-native';
import { corrupt } from './errors.js';

/**
 * The plan file, version 1. All integers little-endian.
 *
 * ```
 * offset  size  field
 * 0       8     magic "KILNPLAN"
 * 8       4     plan-format version (u32) — this file describes version 1
 * 12      4     header byte length H (u32)
 * 16      8     weight section offset W (u64, multiple of 64)
 * 24      8     weight section byte length L (u64)
 * 32      H     header: UTF-8 JSON (see PlanHeader); enums are stored by name
 * 32+H    ...   zero padding up to W
 * W       L     weight section: prepacked weights, each blob at a 64-byte aligned offset
 * W+L     4     CRC-32C (Castagnoli) of every byte before it
 * ```
 *
 * The Kiln version inside the header must match the loading runtime exactly, as in TensorRT;
 * the plan-format version lets a runtime tell "another format" apart from "corrupt".
 */
export const PLAN_MAGIC = 'KILNPLAN';
export const PLAN_FORMAT_VERSION = 2;
export const PLAN_ALIGNMENT = 64;
const PREAMBLE_BYTES = 32;
const TRAILER_BYTES = 4;
/** Headers are JSON describing layers and tensors; far below this even for huge models. */
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

/** A plan split into its parts, before any semantic check of the header. */
export interface PlanParts {
  formatVersion: number;
  header: unknown;
  /** The weight section, a view into the plan bytes (no copy). */
  weights: Uint8Array;
}

/**
 * Serialize a header and a weight section into plan bytes.
 * `weights` must already hold each blob at a 64-byte aligned offset.
 */
export function encodePlan(header: unknown, weights: Uint8Array): Uint8Array {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const weightOffset = alignUp(PREAMBLE_BYTES + headerBytes.length, PLAN_ALIGNMENT);
  const total = weightOffset + weights.length + TRAILER_BYTES;
  const bytes = new Uint8Array(new ArrayBuffer(total));
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(PLAN_MAGIC), 0);
  view.setUint32(8, PLAN_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  view.setBigUint64(16, BigInt(weightOffset), true);
  view.setBigUint64(24, BigInt(weights.length), true);
  bytes.set(headerBytes, PREAMBLE_BYTES);
  bytes.set(weights, weightOffset);
  view.setUint32(total - TRAILER_BYTES, checksum(bytes.subarray(0, total - TRAILER_BYTES)), true);
  // Plans in 64-byte-aligned memory load without copying their (aligned-offset) weights.
  return alignedBytes(bytes);
}

/**
 * Split plan bytes into format version, parsed header and weight section, validating every
 * offset, size and the checksum before anything is used. Throws ERR_PLAN_CORRUPT.
 * Format-version and Kiln-version checks are the caller's (they give better advice).
 */
export function decodePlan(bytes: Uint8Array): PlanParts {
  if (!(bytes instanceof Uint8Array)) throw corrupt('not a byte array', 'a Uint8Array or Buffer', typeof bytes);
  if (bytes.length < PREAMBLE_BYTES + TRAILER_BYTES) {
    throw corrupt('too short to be a plan', `at least ${PREAMBLE_BYTES + TRAILER_BYTES} bytes`, `${bytes.length} bytes`);
  }
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== PLAN_MAGIC) throw corrupt('missing the plan magic', JSON.stringify(PLAN_MAGIC), JSON.stringify(magic.replace(/[^\x20-\x7e]/g, '?')));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const formatVersion = view.getUint32(8, true);
  const headerLength = view.getUint32(12, true);
  const weightOffset = view.getBigUint64(16, true);
  const weightLength = view.getBigUint64(24, true);
  const size = BigInt(bytes.length);
  if (headerLength > MAX_HEADER_BYTES || BigInt(PREAMBLE_BYTES + headerLength) > size) {
    throw corrupt('header length runs past the end of the file', `at most ${bytes.length - PREAMBLE_BYTES} bytes`, `${headerLength} bytes`);
  }
  if (weightOffset % BigInt(PLAN_ALIGNMENT) !== 0n || weightOffset < BigInt(PREAMBLE_BYTES + headerLength)) {
    throw corrupt('weight section offset is misplaced', `a multiple of 64 after the header (>= ${PREAMBLE_BYTES + headerLength})`, String(weightOffset));
  }
  if (weightOffset + weightLength + BigInt(TRAILER_BYTES) !== size) {
    throw corrupt('section sizes do not add up to the file size', `${bytes.length} bytes`, `${weightOffset + weightLength + BigInt(TRAILER_BYTES)} bytes`);
  }
  const stored = view.getUint32(bytes.length - TRAILER_BYTES, true);
  const actual = checksum(bytes.subarray(0, bytes.length - TRAILER_BYTES));
  if (stored !== actual) throw corrupt('checksum mismatch', `CRC-32C ${hex(actual)}`, `CRC-32C ${hex(stored)}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength)));
  } catch (error) {
    throw corrupt('header is not valid UTF-8 JSON', 'a JSON object', String((error as Error).message));
  }
  const start = Number(weightOffset);
  return { formatVersion, header, weights: bytes.subarray(start, start + Number(weightLength)) };
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

// CRC-32C with the CPU's crc32 instructions: a 14 MB plan in about 2 ms, where zlib's CRC-32
// took 6-20 ms and was most of a plan's load time. (Format version 1 used CRC-32.)
function checksum(bytes: Uint8Array): number {
  return crc32c(bytes) >>> 0;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

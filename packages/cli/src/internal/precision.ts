import fs from 'node:fs';
import type { Int8Calibration, Precision, PrecisionConstraints } from '@kiln/builder';
import { type Batch, type Calibrator, EntropyCalibrator2, MinMaxCalibrator, PercentileCalibrator } from '@kiln/calib';
import { KilnError } from '@kiln/common';
import type { Tensor } from '@kiln/onnx-tools';
import type { ParsedArgs } from '../args.js';
import { decodeNpy } from './npy.js';

/** Precision flags of `build`, `bench --onnx`, `compare` and `quantize` (trtexec's names where it has them). */
export const PRECISION_FLAGS = ['fp16', 'bf16', 'int8', 'best', 'stronglyTyped', 'precisionConstraints', 'layerPrecisions', 'calib', 'calibData', 'calibAlgorithm'];

const PRECISIONS = new Set(['fp32', 'fp16', 'bf16', 'int8']);

/** `--layerPrecisions=conv1:fp16,fc:int8` → { conv1: 'fp16', fc: 'int8' } (the last ':' separates). */
export function parseLayerPrecisions(text: string | undefined): Record<string, Precision> | undefined {
  if (text === undefined || text === '') return undefined;
  const out: Record<string, Precision> = {};
  for (const item of text.split(',')) {
    const colon = item.lastIndexOf(':');
    const precision = item.slice(colon + 1);
    if (colon <= 0 || !PRECISIONS.has(precision)) {
      throw new KilnError('ERR_CLI_USAGE', `Cannot read --layerPrecisions=${text}.`, { expected: 'name:fp32|fp16|bf16|int8, several separated by commas', found: item });
    }
    out[item.slice(0, colon)] = precision as Precision;
  }
  return out;
}

function calibrator(name: string | undefined): Calibrator {
  switch (name ?? 'entropy') {
    case 'entropy': return new EntropyCalibrator2();
    case 'minmax': return new MinMaxCalibrator();
    case 'percentile': return new PercentileCalibrator();
    default:
      throw new KilnError('ERR_CLI_USAGE', `Unknown --calibAlgorithm=${name}.`, { expected: 'entropy (default), minmax or percentile', found: String(name) });
  }
}

/**
 * `--calibData=input:b0.npy,input:b1.npy,mask:m0.npy,...`: the k-th file named for an input is
 * that input's tensor in batch k (every input needs the same number of files).
 */
export function readCalibrationBatches(text: string): Batch[] {
  const perInput = new Map<string, string[]>();
  for (const item of text.split(',')) {
    const colon = item.indexOf(':');
    if (colon <= 0) throw new KilnError('ERR_CLI_USAGE', `Cannot read --calibData=${text}.`, { expected: 'input:file.npy[,input:file.npy...]', found: item });
    const name = item.slice(0, colon);
    perInput.set(name, [...(perInput.get(name) ?? []), item.slice(colon + 1)]);
  }
  const counts = new Set([...perInput.values()].map((files) => files.length));
  if (counts.size !== 1) {
    throw new KilnError('ERR_CLI_USAGE', 'Every input needs the same number of --calibData files.', {
      expected: 'one file per input per batch',
      found: [...perInput].map(([name, files]) => `${name}: ${files.length}`).join(', '),
    });
  }
  const batchCount = [...counts][0]!;
  return Array.from({ length: batchCount }, (_, k) => {
    const batch: Record<string, Tensor> = {};
    for (const [name, files] of perInput) {
      const file = files[k]!;
      if (!fs.existsSync(file)) throw new KilnError('ERR_CLI_USAGE', `Calibration file ${file} does not exist.`, { where: `--calibData (${name})` });
      const npy = decodeNpy(new Uint8Array(fs.readFileSync(file)), file);
      batch[name] = { type: npy.type, dims: npy.dims, data: npy.data } as Tensor;
    }
    return batch;
  });
}

/** The int8 calibration the flags ask for: `--calib=cache` reused or (with --calibData) written. */
export function calibrationOptions(args: ParsedArgs): Int8Calibration | undefined {
  const cacheFile = args.flags.get('calib');
  const data = args.flags.get('calibData');
  if (cacheFile === undefined && data === undefined) return undefined;
  return {
    ...(cacheFile !== undefined ? { cacheFile } : {}),
    ...(data !== undefined ? { calibrator: calibrator(args.flags.get('calibAlgorithm')), loader: readCalibrationBatches(data) } : {}),
  };
}

/** buildEngine's precision options from the flags. */
export function precisionOptions(args: ParsedArgs) {
  const constraints = args.flags.get('precisionConstraints');
  if (constraints !== undefined && !['none', 'prefer', 'obey'].includes(constraints)) {
    throw new KilnError('ERR_CLI_USAGE', `Cannot read --precisionConstraints=${constraints}.`, { expected: 'none, prefer or obey', found: constraints });
  }
  const layerPrecisions = parseLayerPrecisions(args.flags.get('layerPrecisions'));
  const calibration = calibrationOptions(args);
  return {
    ...(args.switches.has('fp16') ? { fp16: true } : {}),
    ...(args.switches.has('bf16') ? { bf16: true } : {}),
    ...(args.switches.has('int8') ? { int8: true } : {}),
    ...(args.switches.has('best') ? { best: true } : {}),
    ...(args.switches.has('stronglyTyped') ? { stronglyTyped: true } : {}),
    ...(constraints !== undefined ? { precisionConstraints: constraints as PrecisionConstraints } : {}),
    ...(layerPrecisions ? { layerPrecisions } : {}),
    ...(calibration ? { calibrator: calibration } : {}),
  };
}

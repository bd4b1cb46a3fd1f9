import fs from 'node:fs';
import { calibrate, checkCalibrationCache, quantizeModel, readCalibrationCache } from '@kiln/calib';
import { KilnError } from '@kiln/common';
import { load, save } from '@kiln/onnx-tools';
import { checkFlags, type ParsedArgs } from '../args.js';
import { readFile } from '../internal/files.js';
import { calibrationOptions } from '../internal/precision.js';
import { requireFlag } from '../internal/require.js';

export const QUANTIZE_FLAGS = ['onnx', 'saveOnnx', 'calib', 'calibData', 'calibAlgorithm', 'perTensor', 'quiet', 'help'];

/**
 * `kiln quantize --onnx=M.onnx --calib=M.calib [--calibData=input:b0.npy,...] --saveOnnx=M.qdq.onnx`:
 * calibration scales (from the cache, or calibrated now and written to it) → a Q/DQ model
 * (onnxruntime's QDQ placement, int8 per-channel weights) that any runtime, Kiln included, runs
 * with int8 kernels.
 */
export async function quantizeCommand(args: ParsedArgs): Promise<number> {
  checkFlags('quantize', args, QUANTIZE_FLAGS);
  const onnx = requireFlag(args, 'quantize', 'onnx', 'the fp32 ONNX model, e.g. --onnx=model.onnx');
  const saveOnnx = requireFlag(args, 'quantize', 'saveOnnx', 'where to write the Q/DQ model, e.g. --saveOnnx=model.qdq.onnx');
  const options = calibrationOptions(args);
  if (!options) {
    throw new KilnError('ERR_CLI_USAGE', '`kiln quantize` needs calibration scales.', {
      expected: '--calib=cache (existing) and/or --calibData=input:batch.npy,...',
      found: 'neither',
    });
  }
  const model = await load(readFile(onnx, 'ONNX model'));
  let scales: Map<string, number>;
  if (options.calibrator && options.loader) {
    scales = (await calibrate(model, { calibrator: options.calibrator, loader: options.loader, cacheFile: options.cacheFile, overwriteIncompatibleCache: true })).scales;
  } else {
    const cacheFile = options.cacheFile!;
    if (!fs.existsSync(cacheFile)) {
      throw new KilnError('ERR_CALIB_CACHE', 'The calibration cache does not exist, and there is no --calibData to create it.', { where: cacheFile, hint: 'Add --calibData=input:batch0.npy,... to calibrate now.' });
    }
    const cache = await readCalibrationCache(cacheFile);
    checkCalibrationCache(cache, { algorithm: cache.algorithm, model }, cacheFile);
    scales = cache.scales;
  }
  const quantized = await quantizeModel(model, scales, { perChannel: !args.switches.has('perTensor') });
  fs.writeFileSync(saveOnnx, save(quantized));
  if (!args.switches.has('quiet')) console.log(`Wrote ${saveOnnx} (Q/DQ model, ${scales.size} calibrated tensors) from ${onnx}`);
  return 0;
}

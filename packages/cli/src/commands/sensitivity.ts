import { type Precision, int8Sensitivity } from '@kiln/builder';
import { KilnError } from '@kiln/common';
import type { Tensor } from '@kiln/onnx-tools';
import { checkFlags, type ParsedArgs } from '../args.js';
import { parseNumber, parseShapes, parseThreads } from '../internal/flags.js';
import { calibrationOptions } from '../internal/precision.js';
import { requireFlag } from '../internal/require.js';

export const SENSITIVITY_FLAGS = ['onnx', 'calib', 'calibData', 'calibAlgorithm', 'shapes', 'threads', 'feeds', 'targetCosine', 'maxLayers', 'fallback', 'quiet', 'help'];

const FALLBACKS = new Set(['bf16', 'fp16', 'fp32']);

/**
 * `kiln sensitivity --onnx=M.onnx --calib=M.calib --calibData=input:b0.npy,... [--feeds=8]
 * [--targetCosine=0.995] [--maxLayers=N] [--fallback=bf16]`: which int8 layers cost the most
 * accuracy (@kiln/builder's int8Sensitivity on the first --feeds calibration batches), and the
 * `--layerPrecisions` that reach the target, to pass to `kiln build --int8 --bf16
 * --precisionConstraints=prefer` (Polygraphy's `debug precision`).
 */
export async function sensitivityCommand(args: ParsedArgs): Promise<number> {
  checkFlags('sensitivity', args, SENSITIVITY_FLAGS);
  const onnx = requireFlag(args, 'sensitivity', 'onnx', 'the fp32 ONNX model, e.g. --onnx=model.onnx');
  requireFlag(args, 'sensitivity', 'calibData', 'inputs to compare the engines on, e.g. --calibData=input:b0.npy,input:b1.npy');
  const fallback = args.flags.get('fallback') ?? 'bf16';
  if (!FALLBACKS.has(fallback)) {
    throw new KilnError('ERR_CLI_USAGE', `Unknown --fallback=${fallback}.`, { expected: 'bf16 (default), fp16 or fp32', found: fallback });
  }
  // --calibData with --calib: the cache is reused when compatible, else calibrated on every batch.
  const calibrator = calibrationOptions(args)!;
  const batches = calibrator.loader as Record<string, Tensor>[];
  const feedCount = parseNumber(args.flags.get('feeds'), 'feeds', 8, (value) => Number.isInteger(value) && value >= 1);
  const shapes = parseShapes(args.flags.get('shapes'), 'shapes');
  const quiet = args.switches.has('quiet');
  const result = await int8Sensitivity(onnx, {
    ...(shapes ? { shapes } : {}),
    threads: parseThreads(args.flags.get('threads')),
    calibrator,  // the comparison runs on the first --feeds batches
    feeds: batches.slice(0, feedCount),
    fallback: fallback as Exclude<Precision, 'int8'>,
    targetCosine: parseNumber(args.flags.get('targetCosine'), 'targetCosine', 0.995, (value) => value > 0 && value <= 1),
    ...(args.flags.has('maxLayers') ? { maxLayers: parseNumber(args.flags.get('maxLayers'), 'maxLayers', 1, (value) => Number.isInteger(value) && value >= 0) } : {}),
    log: quiet ? () => {} : (line) => console.error(line),
  });
  console.log(`worst cosine to fp32 over ${Math.min(feedCount, batches.length)} input(s): all int8 ${result.baselineCosine.toFixed(5)}, with the layers below in ${fallback} ${result.cosine.toFixed(5)}`);
  console.log('| layer | int8 tactic | worst cosine with only this layer in ' + fallback + ' |');
  console.log('| --- | --- | --- |');
  for (const layer of result.layers) console.log(`| ${layer.layer} | ${layer.tactic} | ${layer.cosine.toFixed(5)} |`);
  const moved = Object.entries(result.layerPrecisions).map(([layer, precision]) => `${layer}:${precision}`);
  console.log(moved.length === 0 ? 'No layer needs to leave int8.' : `--precisionConstraints=prefer --layerPrecisions=${moved.join(',')}`);
  return 0;
}

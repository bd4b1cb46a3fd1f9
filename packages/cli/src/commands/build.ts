import { buildEngine } from '@kiln/builder';
import { checkFlags, type ParsedArgs } from '../args.js';
import { writePlanFile } from '../internal/files.js';
import { parseNumber, parseShapes, parseThreads } from '../internal/flags.js';
import { PRECISION_FLAGS, precisionOptions } from '../internal/precision.js';
import { requireFlag } from '../internal/require.js';
import { createProgressBar } from '../progress.js';

export const BUILD_FLAGS = ['onnx', 'saveEngine', 'shapes', 'minShapes', 'optShapes', 'maxShapes', 'timingCacheFile', 'builderOptimizationLevel', 'threads', 'verbose', 'quiet', 'help', ...PRECISION_FLAGS];

/** Build options shared by `build`, `bench --onnx` and `compare` (a progress bar on stderr unless `--quiet`). */
export function buildOptions(args: ParsedArgs, log: (line: string) => void) {
  const shapes = parseShapes(args.flags.get('shapes'), 'shapes');
  return {
    ...(shapes ? { shapes } : {}),
    ...optional('minShapes', parseShapes(args.flags.get('minShapes'), 'minShapes')),
    ...optional('optShapes', parseShapes(args.flags.get('optShapes'), 'optShapes')),
    ...optional('maxShapes', parseShapes(args.flags.get('maxShapes'), 'maxShapes')),
    ...optional('timingCacheFile', args.flags.get('timingCacheFile')),
    ...optional('builderOptimizationLevel', args.flags.has('builderOptimizationLevel') ? parseNumber(args.flags.get('builderOptimizationLevel'), 'builderOptimizationLevel', 3, Number.isInteger) : undefined),
    ...optional('threads', parseThreads(args.flags.get('threads'))),
    ...precisionOptions(args),
    log,
    progress: createProgressBar({ quiet: args.switches.has('quiet') }),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** `kiln build --onnx=M.onnx --saveEngine=M.plan [...]` */
export async function buildCommand(args: ParsedArgs): Promise<number> {
  checkFlags('build', args, BUILD_FLAGS);
  const onnx = requireFlag(args, 'build', 'onnx', 'the ONNX model to build, e.g. --onnx=model.onnx');
  const saveEngine = requireFlag(args, 'build', 'saveEngine', 'where to write the plan, e.g. --saveEngine=model.plan');
  const verbose = args.switches.has('verbose');
  const quiet = args.switches.has('quiet');
  const started = performance.now();
  const plan = await buildEngine(onnx, buildOptions(args, (line) => (verbose ? console.log(`[kiln] ${line}`) : undefined)));
  writePlanFile(saveEngine, plan);
  if (!quiet) console.log(`Built ${saveEngine} (${plan.length} bytes) from ${onnx} in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  return 0;
}

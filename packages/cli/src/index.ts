import { KilnError } from '@kiln/common';
import packageJson from '../package.json' with { type: 'json' };
import { parseArgs } from './args.js';
import { benchCommand } from './commands/bench.js';
import { buildCommand } from './commands/build.js';
import { compareCommand } from './commands/compare.js';
import { inspectCommand } from './commands/inspect.js';
import { quantizeCommand } from './commands/quantize.js';
import { runCommand } from './commands/run.js';
import { sensitivityCommand } from './commands/sensitivity.js';

export { parseArgs, checkFlags, type ParsedArgs } from './args.js';
export { createProgressBar, type ProgressBarOptions, type ProgressStream } from './progress.js';

const USAGE = `kiln — TensorRT's workflow for Node.js

Usage: kiln <command> [--flag=value ...]

Commands:
  build     --onnx=M.onnx --saveEngine=M.plan   build an engine (plan file) from an ONNX model
  run       --loadEngine=M.plan                 run a plan on .npy inputs
  bench     --loadEngine=M.plan | --onnx=M.onnx measure throughput and latency
  inspect   --onnx=M.onnx | --loadEngine=M.plan describe a model or an engine
  compare   --onnx=M.onnx                       compare Kiln with onnxruntime-node
  quantize  --onnx=M.onnx --calib=M.calib --saveOnnx=Q.onnx   write a Q/DQ (int8) model from calibration
  sensitivity --onnx=M.onnx --calibData=input:b0.npy,...   the int8 layers that cost the most accuracy
            (--calib=M.calib --feeds=8 --targetCosine=0.995 --maxLayers=N --fallback=bf16|fp16|fp32)
  version                                       print the Kiln version

Precision (build, bench, compare): --fp16 --bf16 --int8 --best --stronglyTyped
  --precisionConstraints=none|prefer|obey --layerPrecisions=name:fp16,...
  --calib=M.calib (reused when compatible) --calibData=input:b0.npy,input:b1.npy --calibAlgorithm=entropy|minmax|percentile

Build flags: --quiet silences the progress bar (drawn on stderr while tactics are timed).
bench --dumpProfile prints per-layer times; --exportProfile=P.json saves them.
bench --infStreams=N runs N execution contexts at once; they share the --threads=T intra-op
  threads, so N contexts overlap on N cores when T=1 (a plan's layers run on T threads).
inspect --loadEngine=M.plan --html=F.html [--profile=P.json] writes a page with the layer graph.`;

const COMMANDS: Record<string, (args: ReturnType<typeof parseArgs>) => Promise<number>> = {
  build: buildCommand,
  run: runCommand,
  bench: benchCommand,
  inspect: inspectCommand,
  compare: compareCommand,
  quantize: quantizeCommand,
  sensitivity: sensitivityCommand,
};

/**
 * Run the `kiln` command line with the given arguments (without `node` and the script path) and
 * return the process exit code. Errors are printed, never thrown.
 *
 * @example
 * ```ts
 * import { main } from '@kiln/cli';
 * process.exitCode = await main(['inspect', '--onnx=model.onnx']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  try {
    if (parsed.command === undefined || parsed.command === 'help' || parsed.switches.has('help')) {
      console.log(USAGE);
      return parsed.command === undefined && !parsed.switches.has('help') ? 1 : 0;
    }
    if (parsed.command === 'version' || parsed.switches.has('version')) {
      console.log(VERSION);
      return 0;
    }
    const command = COMMANDS[parsed.command];
    if (command) return await command(parsed);
    throw new KilnError('ERR_CLI_USAGE', `Unknown command \`${parsed.command}\`.`, {
      expected: 'one of build, run, bench, inspect, compare, quantize, sensitivity, version',
      found: parsed.command,
      hint: 'Run `kiln help`.',
    });
  } catch (error) {
    console.error(KilnError.isInstance(error) ? `kiln: [${error.code}] ${error.message}` : error);
    return 1;
  }
}

/** The version of `@kiln/cli`. */
export const VERSION: string = packageJson.version;

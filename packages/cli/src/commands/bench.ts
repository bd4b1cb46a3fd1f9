import fs from 'node:fs';
import { buildEngine } from '@kiln/builder';
import { KilnError } from '@kiln/common';
import { type Engine, Runtime } from '@kiln/runtime';
import { checkFlags, type ParsedArgs } from '../args.js';
import { readFile } from '../internal/files.js';
import { parseNumber, parseShapes, parseThreads } from '../internal/flags.js';
import { makeFeeds } from '../internal/inputs.js';
import { collectProfile, formatProfile, profileToJson } from '../internal/profile.js';
import { formatSummary, summarize } from '../internal/summary.js';
import { BUILD_FLAGS, buildOptions } from './build.js';

export const BENCH_FLAGS = [...new Set([...BUILD_FLAGS, 'loadEngine', 'iterations', 'duration', 'warmUp', 'infStreams', 'percentile', 'json', 'dumpProfile', 'exportProfile'])];

/** Load or build the engine a command works on (`--loadEngine` or `--onnx`). */
export async function engineFrom(args: ParsedArgs, command: string, log: (line: string) => void): Promise<{ engine: Engine; buildMs?: number }> {
  const threads = parseThreads(args.flags.get('threads'));
  const runtime = new Runtime(threads === undefined ? {} : { threads });
  const planFile = args.flags.get('loadEngine');
  const onnx = args.flags.get('onnx');
  if (planFile) return { engine: runtime.deserializeEngine(readFile(planFile, 'plan')) };
  if (onnx) {
    const started = performance.now();
    const plan = await buildEngine(onnx, buildOptions(args, log));
    return { engine: runtime.deserializeEngine(plan), buildMs: performance.now() - started };
  }
  throw new KilnError('ERR_CLI_USAGE', `\`kiln ${command}\` needs --loadEngine=M.plan or --onnx=M.onnx.`, { hint: `Run \`kiln ${command} --help\`.` });
}

/**
 * `kiln bench`: trtexec's performance summary. `--infStreams=N` runs N execution contexts
 * concurrently; latency is per inference, throughput over the whole measured wall time.
 * `--dumpProfile` then runs `--iterations` more inferences with per-layer timing and prints the
 * profile table; `--exportProfile=F.json` writes it (the input of `kiln inspect --html --profile`).
 */
export async function benchCommand(args: ParsedArgs): Promise<number> {
  checkFlags('bench', args, BENCH_FLAGS);
  const json = args.switches.has('json');
  const verbose = args.switches.has('verbose');
  const { engine, buildMs } = await engineFrom(args, 'bench', (line) => (verbose ? console.error(`[kiln] ${line}`) : undefined));
  const iterations = parseNumber(args.flags.get('iterations'), 'iterations', 10, (value) => Number.isInteger(value) && value >= 1);
  const durationMs = parseNumber(args.flags.get('duration'), 'duration', 3) * 1000;
  const warmUpMs = parseNumber(args.flags.get('warmUp'), 'warmUp', 200);
  const streams = parseNumber(args.flags.get('infStreams'), 'infStreams', 1, (value) => Number.isInteger(value) && value >= 1);
  const percentiles = (args.flags.get('percentile') ?? '90,95,99').split(',').map((p) => parseNumber(p, 'percentile', 0, (value) => value >= 0 && value <= 100));
  const feeds = makeFeeds(engine, parseShapes(args.flags.get('shapes') ?? args.flags.get('optShapes'), 'shapes'), new Map());
  const contexts = Array.from({ length: streams }, () => engine.createExecutionContext());
  const warmEnd = performance.now() + warmUpMs;
  do await Promise.all(contexts.map((context) => context.run(feeds)));
  while (performance.now() < warmEnd);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    contexts.map(async (context) => {
      while (latencies.length < iterations || performance.now() - started < durationMs) {
        const begin = performance.now();
        await context.run(feeds);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  const summary = summarize(latencies, performance.now() - started, percentiles);
  if (json) {
    console.log(JSON.stringify({ ...summary, streams, ...(buildMs !== undefined ? { buildMs } : {}) }));
  } else {
    if (buildMs !== undefined) console.log(`Engine built in ${(buildMs / 1000).toFixed(2)} s`);
    console.log(formatSummary(summary));
  }
  const exportProfile = args.flags.get('exportProfile');
  if (args.switches.has('dumpProfile') || exportProfile) {
    const report = await collectProfile(contexts[0]!, feeds, iterations);
    if (args.switches.has('dumpProfile') && !json) console.log(formatProfile(report));
    if (exportProfile) {
      fs.writeFileSync(exportProfile, profileToJson(report));
      if (!json) console.log(`Profile written to ${exportProfile}`);
    }
  }
  return 0;
}

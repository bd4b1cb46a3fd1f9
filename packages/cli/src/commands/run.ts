import fs from 'node:fs';
import path from 'node:path';
import { Runtime } from '@kiln/runtime';
import { checkFlags, type ParsedArgs } from '../args.js';
import { readFile } from '../internal/files.js';
import { parseFileList, parseNumber, parseShapes, parseThreads, safeFileName } from '../internal/flags.js';
import { makeFeeds } from '../internal/inputs.js';
import { encodeNpy, type NpyTensor } from '../internal/npy.js';
import { requireFlag } from '../internal/require.js';

export const RUN_FLAGS = ['loadEngine', 'shapes', 'loadInputs', 'exportOutput', 'threads', 'seed', 'help'];

/** `kiln run --loadEngine=M.plan [--shapes=...] [--loadInputs=name:file.npy,...] [--exportOutput=DIR]` */
export async function runCommand(args: ParsedArgs): Promise<number> {
  checkFlags('run', args, RUN_FLAGS);
  const planFile = requireFlag(args, 'run', 'loadEngine', 'the plan to run, e.g. --loadEngine=model.plan');
  const threads = parseThreads(args.flags.get('threads'));
  const engine = new Runtime(threads === undefined ? {} : { threads }).deserializeEngine(readFile(planFile, 'plan'));
  const feeds = makeFeeds(engine, parseShapes(args.flags.get('shapes'), 'shapes'), parseFileList(args.flags.get('loadInputs'), 'loadInputs'), parseNumber(args.flags.get('seed'), 'seed', 1));
  const outputs = await engine.createExecutionContext().run(feeds);
  const directory = args.flags.get('exportOutput');
  if (directory) fs.mkdirSync(directory, { recursive: true });
  for (const [name, tensor] of Object.entries(outputs)) {
    const data = tensor.data as ArrayLike<number | bigint>;
    const preview = Array.from({ length: Math.min(6, data.length) }, (_, i) => String(data[i])).join(', ');
    console.log(`${name}: ${tensor.type} [${tensor.dims.join(', ')}] ${preview}${data.length > 6 ? ', ...' : ''}`);
    if (directory) {
      const file = path.join(directory, `${safeFileName(name)}.npy`);
      fs.writeFileSync(file, encodeNpy(tensor as unknown as NpyTensor));
      console.log(`  wrote ${file}`);
    }
  }
  return 0;
}

#!/usr/bin/env node
// `pnpm demo`: read the text in an image with pretrained OCR models running on Kiln.
//   node apps/demo/bin/demo.mjs [--image=file.png] [--runs=N] [--quiet]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KilnError } from '@kiln/common';
import { runDemo } from '../src/demo.mjs';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const options = new Map(process.argv.slice(2).map((arg) => [arg.replace(/^--/, '').split('=')[0], arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : 'true']));
const known = new Set(['image', 'runs', 'quiet', 'help']);
const unknown = [...options.keys()].filter((name) => !known.has(name));

if (options.has('help') || unknown.length > 0) {
  if (unknown.length > 0) console.error(`demo: unknown option --${unknown[0]}`);
  console.log('Usage: pnpm demo [--image=file.png] [--runs=N] [--quiet]');
  process.exitCode = unknown.length > 0 ? 1 : 0;
} else {
  try {
    const runs = Number(options.get('runs') ?? 20);
    if (!Number.isInteger(runs) || runs < 1) throw new KilnError('ERR_DEMO_USAGE', '--runs must be a positive integer.', { found: options.get('runs') });
    await runDemo({
      image: path.resolve(options.get('image') ?? path.join(app, 'data', 'sample.png')),
      cacheDir: path.join(app, '.cache'),
      runs,
      quiet: options.has('quiet'),
    });
  } catch (error) {
    console.error(KilnError.isInstance(error) ? `demo: [${error.code}] ${error.message}` : error);
    process.exitCode = 1;
  }
}

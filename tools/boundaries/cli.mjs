#!/usr/bin/env node
// Usage: node tools/boundaries/cli.mjs [--root=<workspace root>]
// Exit code 1 when any package crosses a boundary; see tools/README.md for the rules.
import path from 'node:path';
import { parseFlags, REPO_ROOT } from '../lib/workspace.mjs';
import { checkBoundaries, formatViolation } from './check.mjs';

const { flags } = parseFlags(process.argv.slice(2));
const root = typeof flags.root === 'string' ? path.resolve(flags.root) : REPO_ROOT;
const started = performance.now();
const { violations, filesScanned, packages } = checkBoundaries({ root });
const took = `${Math.round(performance.now() - started)} ms`;
if (violations.length === 0) {
  console.log(`boundaries: ok (${packages} packages, ${filesScanned} files, ${took})`);
} else {
  for (const violation of violations) console.error(formatViolation(violation));
  console.error(
    `\nboundaries: ${violations.length} violation(s) in ${filesScanned} files (${took}). ` +
      'A package uses another only through its exports map and declared dependencies (DESIGN.md).',
  );
  process.exitCode = 1;
}

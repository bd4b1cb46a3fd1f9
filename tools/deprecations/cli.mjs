#!/usr/bin/env node
// Deprecation-policy checker and API reports. See tools/README.md.
//
//   node tools/deprecations/cli.mjs [check] [--now=YYYY-MM-DD] [--package=dir[,dir…]] [--dts=file] [--no-changesets]
//   node tools/deprecations/cli.mjs report [--update | --check] [--package=dir[,dir…]]
//
// Without --package every published workspace package (packages/*, not private) is checked.
// Exit code 1 on any error (check) or a stale report (report --check); warnings do not fail.
import path from 'node:path';
import { pendingBumps } from '../lib/changesets.mjs';
import { parseDate } from '../lib/semver.mjs';
import { isPublished, listWorkspacePackages, parseFlags, REPO_ROOT } from '../lib/workspace.mjs';
import { checkPackage, reportPackage } from './package.mjs';

const { flags, positional } = parseFlags(process.argv.slice(2));
const command = positional[0] ?? 'check';
const root = typeof flags.root === 'string' ? path.resolve(flags.root) : REPO_ROOT;
const dirs = typeof flags.package === 'string'
  ? flags.package.split(',').map((dir) => path.resolve(dir))
  : listWorkspacePackages(root).filter(isPublished).map((pkg) => pkg.dir);
const dtsPath = typeof flags.dts === 'string' ? flags.dts : undefined;
const relative = (/** @type {string} */ file) => path.relative(process.cwd(), file) || '.';

/** @param {unknown} error */
function fail(error) {
  console.error(`deprecations: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}

if (command === 'check') {
  let now = new Date();
  if (typeof flags.now === 'string') now = parseDate(flags.now) ?? fail(`--now=${flags.now} is not a YYYY-MM-DD date`);
  const bumps = flags['no-changesets'] ? new Map() : pendingBumps(path.join(root, '.changeset'));
  let errors = 0;
  let warnings = 0;
  for (const dir of dirs) {
    let result;
    try {
      result = checkPackage({ dir, now, dtsPath, pendingBumps: bumps });
    } catch (error) {
      console.log(`error   ${relative(dir)}: ${error instanceof Error ? error.message : String(error)}`);
      errors++;
      continue;
    }
    const heading = `${result.name}@${result.version}${result.baselineVersion ? ` (last release report: ${result.baselineVersion})` : ''}`;
    const lines = result.findings.map((f) => `  ${f.severity === 'error' ? 'error  ' : 'warning'} ${f.symbol}  [${f.rule}]\n    ${f.message}`);
    console.log(result.findings.length === 0 ? `ok      ${heading}` : `${heading}\n${lines.join('\n')}`);
    for (const note of result.notes) console.log(`  note: ${note}`);
    errors += result.findings.filter((f) => f.severity === 'error').length;
    warnings += result.findings.filter((f) => f.severity === 'warning').length;
  }
  console.log(`\ndeprecations: ${errors} error(s), ${warnings} warning(s) in ${dirs.length} package(s) (policy: deprecated APIs keep working 12 months and go only in a major release)`);
  if (errors > 0) process.exitCode = 1;
} else if (command === 'report') {
  const mode = flags.update ? 'update' : flags.check ? 'check' : 'print';
  let stale = 0;
  for (const dir of dirs) {
    let result;
    try {
      result = reportPackage({ dir, mode, dtsPath });
    } catch (error) {
      console.error(`error       ${relative(dir)}: ${error instanceof Error ? error.message : String(error)}`);
      stale++;
      continue;
    }
    if (mode === 'print') process.stdout.write(result.text);
    else if (!result.stale) console.log(`up to date  ${relative(result.file)}`);
    else if (mode === 'update') console.log(`written     ${relative(result.file)}`);
    else {
      stale++;
      console.error(`stale       ${relative(result.file)}: ${result.missing ? `no committed report for ${result.name}` : `the API of ${result.name} differs from the committed report`}`);
    }
  }
  if (stale > 0 && mode === 'update') process.exitCode = 1;
  else if (stale > 0) {
    console.error('\nRun `node tools/deprecations/cli.mjs report --update` after building (pnpm build) and commit the api/ files with the release.');
    process.exitCode = 1;
  }
} else {
  fail(`unknown command '${command}' (expected check or report)`);
}

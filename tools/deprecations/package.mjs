// One package at a time: run the policy check, or write/verify its API report.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bumpVersion, compareVersions } from '../lib/semver.mjs';
import { formatReport, packageApi, readReport, reportPath } from './api.mjs';
import { checkDeprecateCalls } from './implementation.mjs';
import { checkPolicy } from './rules.mjs';

/** @typedef {import('./rules.mjs').Finding} Finding */

/** @param {string} dir */
function readManifest(dir) {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

/**
 * Check one package against the deprecation policy.
 * @param {object} options
 * @param {string} options.dir              package folder (package.json, api/<name>.api.json, src/)
 * @param {Date} options.now                the clock (injectable for tests)
 * @param {string} [options.dtsPath]        declaration file of the "." entry (default: from `exports`)
 * @param {Map<string, string>} [options.pendingBumps]  package name → bump from pending changesets
 *                                          (patch|minor|major): the version checked is package.json's
 *                                          with that bump applied, so a PR with a major changeset may
 *                                          already do what a major release may do
 * @returns {{ name: string, version: string, baselineVersion: string | undefined, findings: Finding[], notes: string[] }}
 */
export function checkPackage({ dir, now, dtsPath, pendingBumps = new Map() }) {
  const manifest = readManifest(dir);
  const pendingBump = pendingBumps.get(manifest.name);
  const notes = [];
  let version = manifest.version;
  if (pendingBump && pendingBump !== 'none') {
    const bumped = bumpVersion(manifest.version, /** @type {any} */ (pendingBump));
    if (compareVersions(bumped, version) > 0) {
      notes.push(`checking as ${bumped} (package.json ${manifest.version} + pending ${pendingBump} changeset)`);
      version = bumped;
    }
  }
  const { entries, localNames } = packageApi(dir, manifest, dtsPath ? { dtsPath } : {});
  const reportFile = reportPath(dir, manifest.name);
  const baseline = readReport(reportFile);
  if (!baseline) notes.push(`no API report at ${path.relative(process.cwd(), reportFile)} (never released): only the @deprecated tags and deprecate() calls are checked`);
  const findings = [
    ...checkPolicy({ current: entries, baseline, version, now }),
    ...checkDeprecateCalls({ current: entries, localNames, srcDir: path.join(dir, 'src') }),
  ];
  return { name: manifest.name, version, baselineVersion: baseline?.version, findings, notes };
}

/**
 * Write (`update`) or verify (`check`) a package's API report from its current build.
 * @param {{ dir: string, mode: 'update' | 'check' | 'print', dtsPath?: string }} options
 * @returns {{ name: string, file: string, stale: boolean, missing: boolean, text: string }}
 */
export function reportPackage({ dir, mode, dtsPath }) {
  const manifest = readManifest(dir);
  const { entries } = packageApi(dir, manifest, dtsPath ? { dtsPath } : {});
  const text = formatReport(manifest.name, manifest.version, entries);
  const file = reportPath(dir, manifest.name);
  let committed;
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    committed = undefined;
  }
  const stale = committed !== text;
  if (mode === 'update' && stale) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { name: manifest.name, file, stale, missing: committed === undefined, text };
}

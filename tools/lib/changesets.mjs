// Reading .changeset/*.md: the YAML front matter maps package names to bump types.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const BUMPS = ['none', 'patch', 'minor', 'major'];

/**
 * The releases a changeset file declares, e.g. `{ '@kiln/common': 'minor' }`. Throws on a
 * malformed front matter so a typo never silently releases nothing.
 * @param {string} text  the .md file
 * @param {string} [where]  file name for messages
 * @returns {Record<string, 'none' | 'patch' | 'minor' | 'major'>}
 */
export function parseChangeset(text, where = 'changeset') {
  const match = /^---[ \t]*\r?\n([\s\S]*?)\r?\n?---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) throw new Error(`${where}: no front matter (a '---' block listing "package": bump)`);
  /** @type {Record<string, any>} */
  const releases = {};
  for (const raw of (match[1] ?? '').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const entry = /^(['"]?)([^'"]+)\1\s*:\s*(['"]?)(\w+)\3$/.exec(line);
    if (!entry?.[2] || !entry[4] || !BUMPS.includes(entry[4])) {
      throw new Error(`${where}: cannot read front matter line '${line}' (expected "package-name": patch|minor|major)`);
    }
    releases[entry[2]] = entry[4];
  }
  return releases;
}

/** The larger of two bump types. @param {string | undefined} a @param {string | undefined} b */
export function maxBump(a, b) {
  return BUMPS.indexOf(a ?? 'none') >= BUMPS.indexOf(b ?? 'none') ? (a ?? 'none') : (b ?? 'none');
}

/**
 * The pending bump per package over every changeset in `dir` (README.md excluded).
 * @param {string} dir  the .changeset folder
 * @returns {Map<string, string>}
 */
export function pendingBumps(dir) {
  /** @type {Map<string, string>} */
  const bumps = new Map();
  if (!existsSync(dir)) return bumps;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const releases = parseChangeset(readFileSync(path.join(dir, file), 'utf8'), file);
    for (const [name, bump] of Object.entries(releases)) bumps.set(name, maxBump(bumps.get(name), bump));
  }
  return bumps;
}

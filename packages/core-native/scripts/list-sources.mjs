// Prints the C++ sources of one ISA group for binding.gyp's command expansion, one per line.
//
//   node scripts/list-sources.mjs avx2     -> every src/**/*__avx2.cc
//   node scripts/list-sources.mjs common   -> every src/**/*.cc without an ISA suffix
//
// A kernel file picks its compile flags by its name, so adding one needs no build edit.
// Paths are relative to the package root (gyp runs this with the .gyp file's folder as cwd).
import { readdirSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ISAS = ['scalar', 'avx2', 'avx512', 'avx512vnni', 'avx512bf16', 'avx512fp16', 'amx'];
const SUFFIX = /__([a-z0-9]+)\.cc$/;

/** Every `.cc` under `src/` for `group` (an ISA name or `common`), sorted, relative to `root`. */
export function listSources(root, group) {
  if (group !== 'common' && !ISAS.includes(group)) {
    throw new Error(`list-sources: unknown group "${group}"; expected common or one of ${ISAS.join(', ')}`);
  }
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.cc')) {
        const match = SUFFIX.exec(entry.name);
        const isa = match && ISAS.includes(match[1]) ? match[1] : 'common';
        if (isa === group && entry.name !== 'empty.cc') out.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  walk(join(root, 'src'));
  return out.sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const group = process.argv[2] ?? 'common';
  const files = listSources(process.cwd(), group);
  // gyp needs at least one source per target; an empty group gets a placeholder TU.
  process.stdout.write(`${(files.length > 0 ? files : ['src/platform/empty.cc']).join('\n')}\n`);
}

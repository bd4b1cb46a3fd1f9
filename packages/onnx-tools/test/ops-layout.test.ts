// The evaluator keeps one file per op under src/internal/ops/<category>/<op-name>.ts. Each file
// exports its registration as `op`, named after the ONNX op type, and is registered.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OpRegistration } from '../src/internal/ops/contract.js';
import { listOps } from '../src/internal/ops/registry.js';

const OPS_DIR = join(import.meta.dirname, '../src/internal/ops');
const categories = readdirSync(OPS_DIR).filter((name) => name !== 'util' && statSync(join(OPS_DIR, name)).isDirectory());

/** A file name says the op type in lower case, words joined by hyphens: `global-average-pool.ts`. */
function namesOp(fileName: string, opType: string): boolean {
  return fileName.replace(/-/g, '') === `${opType.toLowerCase()}.ts`;
}

describe('one file per op', () => {
  const files = categories.flatMap((category) =>
    readdirSync(join(OPS_DIR, category))
      .filter((name) => name.endsWith('.ts') && name !== 'index.ts')
      .map((name) => ({ category, name, path: join(OPS_DIR, category, name) })),
  );

  it('finds the op files', () => {
    expect(categories.length).toBeGreaterThan(5);
    expect(files.length).toBeGreaterThan(150);
  });

  it('registers every op file, under the op type its file is named after', async () => {
    const registered = new Set(listOps());
    const problems: string[] = [];
    for (const file of files) {
      const module = (await import(file.path)) as { op?: OpRegistration };
      if (!module.op) problems.push(`${file.category}/${file.name}: exports no 'op'`);
      else if (!registered.has(module.op as OpRegistration)) problems.push(`${file.category}/${file.name}: '${module.op.opType}' is not in ${file.category}/index.ts`);
      else if (!namesOp(file.name, module.op.opType)) problems.push(`${file.category}/${file.name}: registers '${module.op.opType}'`);
    }
    expect(problems).toEqual([]);
  });

  it('keeps every op file small', () => {
    const long = files.map((f) => ({ ...f, lines: readFileSync(f.path, 'utf8').split('\n').length })).filter((f) => f.lines > 400);
    expect(long.map((f) => `${f.category}/${f.name}: ${f.lines} lines`)).toEqual([]);
  });
});

#!/usr/bin/env node
// Regenerates src/internal/proto/ from proto/*.proto with buf + protoc-gen-es (both dev
// dependencies of this package). Run from anywhere: `node scripts/generate-proto.mjs`.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(packageRoot, 'node_modules', '.bin', name);

const template = {
  version: 'v2',
  plugins: [
    {
      local: bin('protoc-gen-es'),
      out: 'src/internal/proto',
      opt: ['target=ts', 'import_extension=js'],
    },
  ],
};

execFileSync(bin('buf'), ['generate', 'proto', '--template', JSON.stringify(template)], {
  cwd: packageRoot,
  stdio: 'inherit',
});
console.log('generated src/internal/proto/ from proto/');

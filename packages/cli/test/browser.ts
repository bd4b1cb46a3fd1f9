import fs from 'node:fs';
import path from 'node:path';

/** Debian's chromium (what .ci/run installs), found on PATH; undefined when it is not installed. */
export function findChromium(): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const file = path.join(folder, name);
      if (folder && fs.existsSync(file)) return file;
    }
  }
  return undefined;
}

/** The launch flags of the issue: headless, no sandbox (root in CI), nothing reaching the network. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Where test screenshots go: .test-results/screenshots at the repository root (git-ignored). */
export function screenshotDir(): string {
  const folder = path.resolve(__dirname, '../../../.test-results/screenshots');
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}

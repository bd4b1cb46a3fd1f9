import fs from 'node:fs';
import path from 'node:path';
import { KilnError } from '@kiln/common';

const PLAN_MAGIC = 'KILNPLAN';

export function readFile(file: string, what: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new KilnError('ERR_FILE', `Cannot read ${what} ${file}.`, { cause: error, hint: 'Check the path.' });
  }
}

/**
 * Write a plan atomically. An existing file is replaced only if it is a Kiln plan: Kiln never
 * overwrites a file it did not write.
 */
export function writePlanFile(file: string, bytes: Uint8Array): void {
  if (fs.existsSync(file)) {
    const head = Buffer.alloc(8);
    const handle = fs.openSync(file, 'r');
    try {
      fs.readSync(handle, head, 0, 8, 0);
    } finally {
      fs.closeSync(handle);
    }
    if (head.toString('latin1') !== PLAN_MAGIC) {
      throw new KilnError('ERR_FILE', `${file} exists and is not a Kiln plan, so kiln will not overwrite it.`, {
        expected: 'a new path or an existing .plan file',
        found: 'another file',
        hint: 'Choose another --saveEngine path or remove the file yourself.',
      });
    }
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, bytes);
  fs.renameSync(temporary, file);
}

import { KilnError } from '@kiln/common';

/** `in:1x3x224x224,mask:1x128` → { in: [1,3,224,224], mask: [1,128] } (the last ':' separates; names may contain ':'). */
export function parseShapes(text: string | undefined, flag: string): Record<string, number[]> | undefined {
  if (text === undefined || text === '') return undefined;
  const shapes: Record<string, number[]> = {};
  for (const item of text.split(',')) {
    const colon = item.lastIndexOf(':');
    const name = item.slice(0, colon).replace(/^'|'$/g, '');
    const dims = item.slice(colon + 1).split('x').map((dim) => Number(dim));
    if (colon <= 0 || dims.some((dim) => !Number.isSafeInteger(dim) || dim < 0)) {
      throw new KilnError('ERR_CLI_USAGE', `Cannot read --${flag}=${text}.`, {
        expected: 'name:dims with dims joined by x, several separated by commas (e.g. input:1x3x224x224)',
        found: item,
      });
    }
    shapes[name] = dims;
  }
  return shapes;
}

/** `name:file.npy,other:b.npy` → Map. */
export function parseFileList(text: string | undefined, flag: string): Map<string, string> {
  const files = new Map<string, string>();
  if (text === undefined || text === '') return files;
  for (const item of text.split(',')) {
    const colon = item.indexOf(':');
    if (colon <= 0) throw new KilnError('ERR_CLI_USAGE', `Cannot read --${flag}=${text}.`, { expected: 'name:file.npy[,name:file.npy]', found: item });
    files.set(item.slice(0, colon), item.slice(colon + 1));
  }
  return files;
}

export function parseNumber(text: string | undefined, flag: string, fallback: number, check: (value: number) => boolean = (value) => value >= 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || !check(value)) throw new KilnError('ERR_CLI_USAGE', `--${flag} must be a number.`, { expected: 'a valid number', found: text });
  return value;
}

/** `--threads=N` (an integer ≥ 1), or undefined when the flag is absent. */
export function parseThreads(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseNumber(text, 'threads', 1, (value) => Number.isInteger(value) && value >= 1);
}

/** Output file name for a tensor: characters outside [A-Za-z0-9._-] become '_'. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

import { KilnError } from '@kiln/common';
import type { ParsedArgs } from '../args.js';

export function requireFlag(args: ParsedArgs, command: string, flag: string, what: string): string {
  const value = args.flags.get(flag);
  if (value === undefined || value === '') {
    throw new KilnError('ERR_CLI_USAGE', `\`kiln ${command}\` needs --${flag}.`, { expected: what, found: 'nothing', hint: `Run \`kiln ${command} --help\`.` });
  }
  return value;
}

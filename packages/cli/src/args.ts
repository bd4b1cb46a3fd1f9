import { KilnError } from '@kiln/common';

/** Parsed trtexec-style arguments: a command word, `--name=value` flags and bare `--switch`es. */
export interface ParsedArgs {
  command: string | undefined;
  flags: Map<string, string>;
  switches: Set<string>;
  positionals: string[];
}

/** Parse `kiln <command> --flag=value --switch positional`. `--flag value` is accepted too for known value flags. */
export function parseArgs(argv: readonly string[], valueFlags: ReadonlySet<string> = new Set()): ParsedArgs {
  const parsed: ParsedArgs = { command: undefined, flags: new Map(), switches: new Set(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word.startsWith('--')) {
      const equals = word.indexOf('=');
      if (equals > 2) {
        parsed.flags.set(word.slice(2, equals), word.slice(equals + 1));
      } else if (valueFlags.has(word.slice(2)) && i + 1 < argv.length) {
        parsed.flags.set(word.slice(2), argv[++i]!);
      } else {
        parsed.switches.add(word.slice(2));
      }
    } else if (word.startsWith('-') && word.length > 1) {
      parsed.switches.add(word.slice(1));
    } else if (parsed.command === undefined) {
      parsed.command = word;
    } else {
      parsed.positionals.push(word);
    }
  }
  return parsed;
}

/** Reject flags a command does not know, naming the closest known one. */
export function checkFlags(command: string, parsed: ParsedArgs, known: readonly string[]): void {
  const knownSet = new Set(known);
  for (const name of [...parsed.flags.keys(), ...parsed.switches]) {
    if (knownSet.has(name)) continue;
    const suggestion = known.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    throw new KilnError('ERR_CLI_USAGE', `Unknown flag --${name} for \`kiln ${command}\`.`, {
      expected: known.map((flag) => `--${flag}`).join(' '),
      found: `--${name}`,
      hint: suggestion ? `Did you mean --${suggestion}? Flag names follow trtexec and are case-sensitive.` : `Run \`kiln ${command} --help\`.`,
    });
  }
}

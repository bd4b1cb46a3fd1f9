import { KilnError } from './errors.js';

/** How a flag's raw environment string is read. */
export type FlagKind = 'boolean' | 'string' | 'integer' | 'enum';

/** One documented environment/debug flag. */
export interface FlagSpec<K extends FlagKind = FlagKind> {
  name: string;
  kind: K;
  description: string;
  /** Allowed values for `enum` flags, lowest first where order matters. */
  values?: readonly string[];
  /** Default shown in the docs table; `undefined` means "unset". */
  defaultValue?: string;
}

/**
 * The one registry of environment and debug flags. Nobody reads `process.env` for a `KILN_*`
 * variable anywhere else: add the flag here (it then appears in the README table produced by
 * {@link flagTable}) and read it with {@link readFlag}.
 */
export const FLAGS = {
  KILN_VERBOSE: {
    name: 'KILN_VERBOSE',
    kind: 'boolean',
    description: 'Print the build log (fusions, chosen tactic per layer) and the kernel each layer runs.',
    defaultValue: '0',
  },
  KILN_MAX_ISA: {
    name: 'KILN_MAX_ISA',
    kind: 'enum',
    values: ['scalar', 'avx2', 'avx512', 'avx512vnni', 'avx512bf16', 'avx512fp16', 'amx'],
    description:
      'Cap kernel dispatch at this instruction set, so lower paths can be tested on a newer CPU. Plans built under a cap only use tactics within it.',
    defaultValue: undefined,
  },
  KILN_THREADS: {
    name: 'KILN_THREADS',
    kind: 'integer',
    description: 'Default intra-op thread count when none is given (otherwise: available cores).',
    defaultValue: undefined,
  },
  KILN_NATIVE_PATH: {
    name: 'KILN_NATIVE_PATH',
    kind: 'string',
    description: 'Load the native addon from this exact `.node` file (before the prebuilt and local build).',
    defaultValue: undefined,
  },
  KILN_VERIFY_PASSES: {
    name: 'KILN_VERIFY_PASSES',
    kind: 'boolean',
    description: 'Run the graph verifier after every builder pass (always on in tests).',
    defaultValue: '0',
  },
  KILN_TEST_SEED: {
    name: 'KILN_TEST_SEED',
    kind: 'integer',
    description: 'Seed for the randomized tests (each prints the seed it used and how to repeat it).',
    defaultValue: undefined,
  },
  KILN_DISABLE_PASSES: {
    name: 'KILN_DISABLE_PASSES',
    kind: 'string',
    description:
      'Comma-separated builder passes to skip (e.g. `fuse-horizontal,eliminate-concats`), to measure what one buys or to work around a suspected pass bug.',
    defaultValue: undefined,
  },
  KILN_SHARED_DIR: {
    name: 'KILN_SHARED_DIR',
    kind: 'string',
    description: 'Folder with the shared test models and ONNX node tests (default: ../shared beside the repository).',
    defaultValue: undefined,
  },
} as const satisfies Record<string, FlagSpec>;

/** Name of a registered flag. */
export type FlagName = keyof typeof FLAGS;

type FlagValue<N extends FlagName> = (typeof FLAGS)[N]['kind'] extends 'boolean'
  ? boolean
  : (typeof FLAGS)[N]['kind'] extends 'integer'
    ? number | undefined
    : string | undefined;

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['', '0', 'false', 'no', 'off']);

/**
 * Read a registered flag from the environment, parsed and checked.
 *
 * @example
 * ```ts
 * import { readFlag } from '@kiln/common';
 * if (readFlag('KILN_VERBOSE')) console.log('verbose');
 * const cap = readFlag('KILN_MAX_ISA'); // 'avx2' | ... | undefined
 * ```
 */
export function readFlag<N extends FlagName>(name: N, env: NodeJS.ProcessEnv = process.env): FlagValue<N> {
  const spec: FlagSpec = FLAGS[name];
  const raw = env[name] ?? spec.defaultValue;
  switch (spec.kind) {
    case 'boolean': {
      const word = (raw ?? '').trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true as FlagValue<N>;
      if (FALSE_WORDS.has(word)) return false as FlagValue<N>;
      throw invalid(spec, raw, 'one of 1, 0, true, false, yes, no, on, off');
    }
    case 'integer': {
      if (raw === undefined || raw.trim() === '') return undefined as FlagValue<N>;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 1) throw invalid(spec, raw, 'a positive integer');
      return value as FlagValue<N>;
    }
    case 'enum': {
      if (raw === undefined || raw.trim() === '') return undefined as FlagValue<N>;
      const word = raw.trim().toLowerCase();
      if (!spec.values?.includes(word)) throw invalid(spec, raw, `one of ${spec.values?.join(', ')}`);
      return word as FlagValue<N>;
    }
    default:
      return (raw === undefined || raw === '' ? undefined : raw) as FlagValue<N>;
  }
}

function invalid(spec: FlagSpec, raw: string | undefined, expected: string): KilnError {
  return new KilnError('ERR_INVALID_FLAG', `Environment variable ${spec.name} has a value Kiln cannot use.`, {
    expected,
    found: JSON.stringify(raw),
    hint: `Unset ${spec.name} or set it to ${expected}.`,
  });
}

/**
 * The flag registry as a Markdown table, for the README.
 *
 * @example
 * ```ts
 * console.log(flagTable());
 * ```
 */
export function flagTable(): string {
  const rows = Object.values(FLAGS).map((spec: FlagSpec) => {
    const values = spec.values ? spec.values.map((v) => `\`${v}\``).join(', ') : spec.kind;
    return `| \`${spec.name}\` | ${values} | ${spec.defaultValue ?? 'unset'} | ${spec.description} |`;
  });
  return ['| variable | values | default | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

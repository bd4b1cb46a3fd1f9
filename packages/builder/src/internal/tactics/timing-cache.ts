import fs from 'node:fs';
import path from 'node:path';
import { KilnError } from '@kiln/common';

/**
 * The timing cache: which tactic won for a layer signature on a CPU, so the next build skips
 * timing it. A file is valid only for the Kiln version and CPU (feature set and ISA cap) that
 * wrote it; entries from another are ignored, never trusted. Written atomically (temporary
 * file + rename), and never over a file that is not a Kiln timing cache.
 */
export const TIMING_CACHE_FORMAT = 'kiln-timing-cache';
export const TIMING_CACHE_VERSION = 1;

export interface TimingEntry {
  /** The winning tactic id, e.g. `f32_gemm_6x32__avx512`. */
  tactic: string;
  /** Its median time in milliseconds. */
  ms: number;
  /** Every timed candidate and its median, for the build log and BENCHMARKS.md. */
  candidates: Record<string, number>;
}

interface TimingCacheFile {
  format: string;
  version: number;
  kilnVersion: string;
  cpu: string;
  entries: Record<string, TimingEntry>;
}

export class TimingCache {
  private readonly entries = new Map<string, TimingEntry>();
  private readonly timedHere = new Set<string>();
  hits = 0;
  misses = 0;

  /** `cpu` identifies the machine for tactic purposes: ISA cap and feature list. */
  constructor(
    readonly kilnVersion: string,
    readonly cpu: string,
  ) {}

  /** Read a cache file; a missing file gives an empty cache; a stale one (other version/CPU) too. */
  static read(file: string, kilnVersion: string, cpu: string): { cache: TimingCache; note?: string } {
    const cache = new TimingCache(kilnVersion, cpu);
    if (!fs.existsSync(file)) return { cache, note: `timing cache ${file} does not exist yet; it will be written after the build` };
    const parsed = parseCacheFile(file);
    if (parsed.kilnVersion !== kilnVersion || parsed.cpu !== cpu) {
      return { cache, note: `timing cache ${file} is from Kiln ${parsed.kilnVersion} on "${parsed.cpu}"; retiming for Kiln ${kilnVersion} on "${cpu}"` };
    }
    for (const [key, entry] of Object.entries(parsed.entries)) cache.entries.set(key, entry);
    return { cache };
  }

  get(signature: string): TimingEntry | undefined {
    const entry = this.entries.get(signature);
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }

  set(signature: string, entry: TimingEntry): void {
    this.entries.set(signature, entry);
    this.timedHere.add(signature);
  }

  /** Whether the entry was timed during this build (else it came from the file). */
  timedThisBuild(signature: string): boolean {
    return this.timedHere.has(signature);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Write atomically. Refuses to replace a file that is not a Kiln timing cache. */
  write(file: string): void {
    if (fs.existsSync(file)) parseCacheFile(file);
    const body: TimingCacheFile = {
      format: TIMING_CACHE_FORMAT,
      version: TIMING_CACHE_VERSION,
      kilnVersion: this.kilnVersion,
      cpu: this.cpu,
      entries: Object.fromEntries([...this.entries].sort(([a], [b]) => a.localeCompare(b))),
    };
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(body, null, 1)}\n`);
    fs.renameSync(temporary, file);
  }
}

function parseCacheFile(file: string): TimingCacheFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw notACache(file, 'unreadable or not JSON', error);
  }
  const value = parsed as Partial<TimingCacheFile>;
  if (value?.format !== TIMING_CACHE_FORMAT || typeof value.entries !== 'object' || value.entries === null) {
    throw notACache(file, 'JSON without the kiln-timing-cache marker');
  }
  if (value.version !== TIMING_CACHE_VERSION) {
    throw new KilnError('ERR_TIMING_CACHE', `Timing cache ${file} has format version ${value.version}.`, {
      expected: `format version ${TIMING_CACHE_VERSION}`,
      found: String(value.version),
      hint: 'Delete the file (it is only a cache) or pass another --timingCacheFile.',
    });
  }
  for (const [key, entry] of Object.entries(value.entries)) {
    if (typeof entry?.tactic !== 'string' || typeof entry.ms !== 'number') throw notACache(file, `entry "${key}" is malformed`);
  }
  return value as TimingCacheFile;
}

function notACache(file: string, found: string, cause?: unknown): KilnError {
  return new KilnError('ERR_TIMING_CACHE', `${file} is not a Kiln timing cache, so Kiln will not read or overwrite it.`, {
    expected: 'a file written by Kiln with --timingCacheFile',
    found,
    hint: 'Pass a new path to --timingCacheFile (timingCacheFile); Kiln never overwrites files it did not write.',
    cause,
  });
}

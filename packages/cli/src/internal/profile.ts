import fs from 'node:fs';
import { KilnError } from '@kiln/common';
import type { ExecutionContext, Tensor } from '@kiln/runtime';
import { percentile } from './summary.js';

/** One layer of a per-layer profile (trtexec's `--exportProfile` entry). */
export interface ProfileEntry {
  name: string;
  /** Total over all profiled runs. */
  timeMs: number;
  averageMs: number;
  medianMs: number;
  /** Share of the summed time of all layers. */
  percentage: number;
}

/** A per-layer profile: how many runs it sums, and one entry per layer in engine order. */
export interface LayerProfileReport {
  count: number;
  layers: ProfileEntry[];
}

/** Run `runs` profiled inferences on `context` and summarize each layer's time. */
export async function collectProfile(context: ExecutionContext, feeds: Record<string, Tensor>, runs: number): Promise<LayerProfileReport> {
  context.setProfiling(true);
  const samples: number[][] = [];
  let names: string[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      await context.run(feeds);
      const profile = context.lastProfile() ?? [];
      names = profile.map((entry) => entry.name);
      profile.forEach((entry, index) => (samples[index] ??= []).push(entry.ms));
    }
  } finally {
    context.setProfiling(false);
  }
  const totals = samples.map((times) => times.reduce((sum, ms) => sum + ms, 0));
  const all = totals.reduce((sum, ms) => sum + ms, 0);
  return {
    count: runs,
    layers: names.map((name, index) => ({
      name,
      timeMs: totals[index]!,
      averageMs: totals[index]! / runs,
      medianMs: percentile([...samples[index]!].sort((a, b) => a - b), 50),
      percentage: all > 0 ? (totals[index]! / all) * 100 : 0,
    })),
  };
}

/** trtexec's profile table, slowest layers first. */
export function formatProfile(report: LayerProfileReport): string {
  const column = (value: number) => value.toFixed(4).padStart(11);
  const lines = [`=== Profile (${report.count} iterations) ===`, `   Time(ms)    Avg.(ms) Median(ms)  Time(%)  Layer`];
  const sorted = [...report.layers].sort((a, b) => b.timeMs - a.timeMs);
  for (const entry of sorted) lines.push(`${column(entry.timeMs)} ${column(entry.averageMs)}${column(entry.medianMs)} ${entry.percentage.toFixed(1).padStart(7)}  ${entry.name}`);
  const total = report.layers.reduce((sum, entry) => sum + entry.timeMs, 0);
  lines.push(`${column(total)} ${column(total / Math.max(1, report.count))}${''.padStart(11)} ${'100.0'.padStart(7)}  Total`);
  return lines.join('\n');
}

/** The JSON trtexec's `--exportProfile` writes: `[{ count }, { name, timeMs, averageMs, medianMs, percentage }, ...]`. */
export function profileToJson(report: LayerProfileReport): string {
  return `${JSON.stringify([{ count: report.count }, ...report.layers], null, 2)}\n`;
}

/** Read a profile written by `kiln bench --exportProfile` (or trtexec). */
export function readProfile(file: string): LayerProfileReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KilnError('ERR_FILE', `Cannot read the profile ${file}.`, { cause: error, expected: 'a JSON file from `kiln bench --exportProfile=F.json`', hint: 'Check the path, or write one with `kiln bench --loadEngine=M.plan --dumpProfile --exportProfile=F.json`.' });
  }
  const entries = Array.isArray(parsed) ? parsed : [];
  const head = entries[0] as { count?: unknown } | undefined;
  const layers = entries.slice(1) as Partial<ProfileEntry>[];
  const valid = typeof head?.count === 'number' && layers.every((entry) => typeof entry?.name === 'string' && typeof entry.averageMs === 'number');
  if (!valid) {
    throw new KilnError('ERR_PROFILE_FORMAT', `${file} is not a per-layer profile.`, {
      expected: '[{ "count": N }, { "name": ..., "averageMs": ..., ... }, ...]',
      found: Array.isArray(parsed) ? `an array of ${entries.length} entries` : typeof parsed,
      hint: 'Write one with `kiln bench --loadEngine=M.plan --dumpProfile --exportProfile=F.json`.',
    });
  }
  return {
    count: head!.count as number,
    layers: layers.map((entry) => ({ name: entry.name!, timeMs: entry.timeMs ?? entry.averageMs! * (head!.count as number), averageMs: entry.averageMs!, medianMs: entry.medianMs ?? entry.averageMs!, percentage: entry.percentage ?? 0 })),
  };
}

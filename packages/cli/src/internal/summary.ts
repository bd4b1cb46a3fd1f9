/** trtexec-style performance summary over per-inference latencies in milliseconds. */
export interface PerformanceSummary {
  iterations: number;
  /** Inferences per second over the measured wall time. */
  throughput: number;
  latency: { min: number; max: number; mean: number; median: number; percentiles: Record<string, number> };
  totalMs: number;
}

/** Percentile by linear interpolation between closest ranks (numpy's default). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function summarize(latencies: readonly number[], wallMs: number, percentiles: readonly number[]): PerformanceSummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  const table: Record<string, number> = {};
  for (const p of percentiles) table[String(p)] = percentile(sorted, p);
  return {
    iterations: sorted.length,
    throughput: wallMs > 0 ? (sorted.length / wallMs) * 1000 : Number.NaN,
    latency: { min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, mean, median: percentile(sorted, 50), percentiles: table },
    totalMs: wallMs,
  };
}

/** Print the summary in trtexec's shape. */
export function formatSummary(summary: PerformanceSummary): string {
  const ms = (value: number) => `${value.toFixed(5)} ms`;
  const latency = summary.latency;
  const percentiles = Object.entries(latency.percentiles).map(([p, value]) => `percentile(${p}%) = ${ms(value)}`);
  return [
    '=== Performance summary ===',
    `Throughput: ${summary.throughput.toFixed(4)} qps`,
    `Latency: ${[`min = ${ms(latency.min)}`, `max = ${ms(latency.max)}`, `mean = ${ms(latency.mean)}`, `median = ${ms(latency.median)}`, ...percentiles].join(', ')}`,
    `Total Host Walltime: ${(summary.totalMs / 1000).toFixed(5)} s`,
    `Iterations: ${summary.iterations}`,
  ].join('\n');
}

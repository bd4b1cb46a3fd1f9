import type { BuildProgress } from '@kiln/builder';

/** Where {@link createProgressBar} writes: a stream, and whether it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  /** Where to draw (default `process.stderr`). */
  stream?: ProgressStream;
  /** Draw nothing at all (`--quiet`). */
  quiet?: boolean;
  /** Words before the bar (default `Building`). */
  label?: string;
}

const BAR_WIDTH = 20;
/** On a terminal, the least time between two redraws. */
const REDRAW_MS = 50;
/** Without a terminal, a line at most every this many layers' worth of percent. */
const LINE_STEP_PERCENT = 10;

/**
 * A build progress reporter for `buildEngine`'s `progress` option: on a terminal one line redrawn
 * in place (`Building: [#####.....] 45/120 layers 12.3 s, timing tactics`), elsewhere (logs, CI) plain lines
 * at each stage and every 10% of the layers; nothing when `quiet`.
 *
 * @example
 * ```ts
 * import { buildEngine } from '@kiln/builder';
 * import { createProgressBar } from '@kiln/cli';
 * const plan = await buildEngine('model.onnx', { progress: createProgressBar() });
 * ```
 */
export function createProgressBar(options: ProgressBarOptions = {}): (event: BuildProgress) => void {
  const stream = options.stream ?? process.stderr;
  const label = options.label ?? 'Building';
  if (options.quiet) return () => {};
  let lastStage: BuildProgress['stage'] | undefined;
  let lastPercent = -1;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  return (event) => {
    const seconds = `${(event.elapsedMs / 1000).toFixed(1)} s`;
    if (stream.isTTY) {
      // Redraw at most every REDRAW_MS (timing-cache hits finish hundreds of layers at once).
      const midway = event.stage === 'tactics' && event.done > 0 && event.done < event.total;
      if (midway && event.stage === lastStage && event.elapsedMs - lastDrawMs < REDRAW_MS) return;
      lastStage = event.stage;
      lastDrawMs = event.elapsedMs;
      // What matters most comes first, so a narrow terminal cuts only the tail.
      const line = event.stage === 'optimize' ? `${label}: optimizing the graph… ${seconds}` : `${label}: ${bar(event.done, event.total)} ${event.done}/${event.total} layers ${seconds}, timing tactics`;
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\r\u001b[2K${line.length > width ? line.slice(0, width) : line}`);
      if (event.stage === 'done') {
        stream.write(`\r\u001b[2K${label}: done, ${event.total} layers in ${seconds}\n`);
      }
      return;
    }
    const percent = event.total > 0 ? Math.floor((event.done / event.total) * 100) : 0;
    const newStage = event.stage !== lastStage;
    lastStage = event.stage;
    if (event.stage === 'optimize') {
      if (newStage) stream.write(`${label}: optimizing the graph\n`);
    } else if (event.stage === 'done') {
      stream.write(`${label}: done, ${event.total} layers in ${seconds}\n`);
    } else if (newStage || percent >= lastPercent + LINE_STEP_PERCENT) {
      lastPercent = percent - (percent % LINE_STEP_PERCENT);
      stream.write(`${label}: timing tactics ${event.done}/${event.total} layers (${percent}%) ${seconds}\n`);
    }
  };
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.round((done / total) * BAR_WIDTH) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

// The end-to-end hook of the pack test: once @kiln/runtime exports `Runtime`, build a small
// model with the installed packages and run it. Until then this prints a note and does nothing.
// Detection is by export presence (no hard-coded version), so the step switches itself on.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * @param {{ scratch: string, log: (line: string) => void }} options  scratch: the installed project
 * @returns {Promise<'skipped' | 'pending'>}
 */
export async function endToEnd({ scratch, log }) {
  const probe = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', "const m = await import('@kiln/runtime'); console.log(typeof m.Runtime);"], {
    cwd: scratch,
    encoding: 'utf8',
  }).catch(() => ({ stdout: '' }));
  if (probe.stdout.trim() !== 'function') {
    log('end-to-end: skipped (@kiln/runtime is not installed here or does not export Runtime yet)');
    return 'skipped';
  }
  // TODO(runtime): build a tiny ONNX model (e.g. the onnx-tools model-building API: MatMul+Add+Relu),
  // `new Builder()` → plan bytes, `new Runtime().deserializeEngine(plan)` → context.run(inputs),
  // compare with @kiln/onnx-tools' reference evaluator, from both ESM and CJS.
  log('end-to-end: @kiln/runtime exports Runtime now; write the model run in tools/pack/end-to-end.mjs');
  return 'pending';
}

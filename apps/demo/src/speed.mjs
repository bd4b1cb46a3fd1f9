// Kiln vs onnxruntime-node on the same model and input: runs interleaved (Kiln, ORT, Kiln, ...)
// so machine noise hits both alike; same thread count; ORT with all graph optimizations.

/** onnxruntime-node, or undefined when it is not installed. */
export async function loadOnnxRuntime() {
  try {
    return await import('onnxruntime-node');
  } catch {
    return undefined;
  }
}

/** An onnxruntime-node session configured like Kiln's runtime (sequential, `threads` intra-op). */
export function createSession(ort, onnxFile, threads) {
  return ort.InferenceSession.create(onnxFile, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
}

/** Run `feeds` on an onnxruntime-node session and return plain tensors. */
export async function runSession(ort, session, feeds) {
  const inputs = Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, new ort.Tensor(tensor.type, tensor.data, tensor.dims)]));
  const outputs = await session.run(inputs);
  return Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { type: value.type, dims: [...value.dims], data: value.data }]));
}

/**
 * Median milliseconds of `runs` inferences on each runtime after `warmUp` each.
 * @returns {Promise<{ kilnMs: number, ortMs: number }>}
 */
export async function measure({ context, ort, session, feeds, runs, warmUp = 3 }) {
  const kiln = [];
  const onnxruntime = [];
  for (let i = 0; i < warmUp + runs; i++) {
    let started = performance.now();
    await context.run(feeds);
    if (i >= warmUp) kiln.push(performance.now() - started);
    started = performance.now();
    await runSession(ort, session, feeds);
    if (i >= warmUp) onnxruntime.push(performance.now() - started);
  }
  return { kilnMs: median(kiln), ortMs: median(onnxruntime) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `Kiln 1.80× faster` or `onnxruntime-node 1.25× faster`, whichever is true. */
export function verdict({ kilnMs, ortMs }) {
  if (kilnMs <= ortMs) return `Kiln ${(ortMs / kilnMs).toFixed(2)}× faster`;
  return `onnxruntime-node ${(kilnMs / ortMs).toFixed(2)}× faster`;
}

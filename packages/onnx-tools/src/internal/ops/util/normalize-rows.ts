// Row normalisation shared by LayerNormalization, RMSNormalization, InstanceNormalization and GroupNormalization.

/** Normalises each of `outer` rows of `inner` values; returns mean and 1/std per row. */
export function normalizeRows(values: ArrayLike<number>, outer: number, inner: number, epsilon: number, rms: boolean, out: Float64Array): { mean: Float64Array; invStd: Float64Array } {
  const mean = new Float64Array(outer);
  const invStd = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    let sum = 0;
    let sumSquares = 0;
    for (let i = o * inner; i < (o + 1) * inner; i++) {
      sum += values[i]!;
      sumSquares += values[i]! * values[i]!;
    }
    const mu = rms ? 0 : sum / inner;
    const variance = sumSquares / inner - mu * mu;
    const inv = 1 / Math.sqrt(variance + epsilon);
    mean[o] = mu;
    invStd[o] = inv;
    for (let i = o * inner; i < (o + 1) * inner; i++) out[i] = (values[i]! - mu) * inv;
  }
  return { mean, invStd };
}


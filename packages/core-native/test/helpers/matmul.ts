// numpy.matmul reference for the MatMul-of-activations families (f32_matmul, bf16_matmul).

export interface MatmulResult {
  y: Float32Array;
  shape: number[];
  /** Per output element, sum over k of |a·b|: the scale a rounding error of the sum is measured against. */
  magnitude: Float64Array;
}

/**
 * numpy.matmul of rank >= 1 operands (batch dims broadcast, 1-D operands promoted and the
 * promoted dim dropped), summed in double; `round` maps each operand value first (bf16 rounding).
 */
export function matmulReference(a: Float32Array, as: number[], b: Float32Array, bs: number[], round: (x: number) => number = (x) => x): MatmulResult {
  const a2 = as.length === 1 ? [1, ...as] : as;
  const b2 = bs.length === 1 ? [...bs, 1] : bs;
  const [m, k] = a2.slice(-2) as [number, number];
  const n = b2.at(-1)!;
  const ab = a2.slice(0, -2);
  const bb = b2.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const pad = (s: number[]) => [...Array(rank - s.length).fill(1), ...s];
  const pa = pad(ab);
  const pb = pad(bb);
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const total = batch.reduce((x, y) => x * y, 1);
  const ra = a.map(round);
  const rb = b.map(round);
  const y = new Float32Array(total * m * n);
  const magnitude = new Float64Array(total * m * n);
  const offset = (index: number[], dims: number[]) => index.reduce((acc, at, i) => acc * dims[i]! + (dims[i] === 1 ? 0 : at), 0);
  for (let t = 0; t < total; t++) {
    const index: number[] = [];
    let rest = t;
    for (let i = rank - 1; i >= 0; i--) {
      index.unshift(rest % batch[i]!);
      rest = Math.floor(rest / batch[i]!);
    }
    const ao = offset(index, pa) * m * k;
    const bo = offset(index, pb) * k * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let acc = 0;
      let size = 0;
      for (let p = 0; p < k; p++) {
        const product = ra[ao + i * k + p]! * rb[bo + p * n + j]!;
        acc += product;
        size += Math.abs(product);
      }
      y[t * m * n + i * n + j] = acc;
      magnitude[t * m * n + i * n + j] = size;
    }
  }
  const shape = [...batch, ...(as.length === 1 ? [] : [m]), ...(bs.length === 1 ? [] : [n])];
  return { y, shape, magnitude };
}

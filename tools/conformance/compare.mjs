// The ONNX backend-test comparison: same dtype and shape; floats within rtol 1e-3, atol 1e-7
// (|a − b| <= atol + rtol·|b|, numpy's allclose); NaN equals NaN; everything else exact.
const FLOAT_TYPES = new Set(['float32', 'float64', 'float16', 'bfloat16']);

function toNumber(value, type) {
  if (type === 'float16') return halfToFloat(value);
  if (type === 'bfloat16') return new Float32Array(new Uint32Array([value << 16]).buffer)[0];
  return value;
}

function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Returns undefined when the tensors match, else what differs and where. */
export function compareTensors(actual, expected, rtol = 1e-3, atol = 1e-7) {
  if (!actual) return 'missing';
  if (actual.type !== expected.type) return `dtype ${actual.type}, expected ${expected.type}`;
  const a = [...actual.dims].join('x');
  const e = [...expected.dims].join('x');
  if (a !== e) return `shape [${a}], expected [${e}]`;
  const isFloat = FLOAT_TYPES.has(expected.type);
  for (let i = 0; i < expected.data.length; i++) {
    const x = toNumber(actual.data[i], expected.type);
    const y = toNumber(expected.data[i], expected.type);
    if (isFloat) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      if (x === y) continue;
      if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return `element ${i}: ${x} vs expected ${y} (|Δ| ${Math.abs(x - y).toExponential(2)})`;
    } else if (x !== y) {
      return `element ${i}: ${x} vs expected ${y} (exact)`;
    }
  }
  return undefined;
}

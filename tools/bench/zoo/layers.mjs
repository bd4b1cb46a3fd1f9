// Building blocks for the zoo models (models.mjs): a GraphBuilder with a seeded generator, and
// layers whose random weights have realistic scales, so activations stay O(1) through the network:
// convolutions and hidden GEMMs He-normal (std sqrt(2 / fan_in)), projections without a ReLU after
// them LeCun-normal (std sqrt(1 / fan_in)), BatchNormalization with running statistics near the
// identity (mean ~ N(0, 0.1), variance in [0.5, 1.5], gamma in [0.8, 1.2], beta ~ N(0, 0.1)).
import { seededRandom } from '@kiln/common';
import { GraphBuilder } from '@kiln/onnx-tools';

/** Standard normal samples from a uniform generator (Box-Muller). */
export function normalFrom(next) {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/**
 * A GraphBuilder plus seeded weights and the layers the zoo needs. Every layer returns its output
 * tensor; `g` is the underlying GraphBuilder for anything else.
 *
 * @example
 * ```js
 * const net = new Net('tiny', 1);
 * const x = net.g.input('x', 'float32', [1, 3, 32, 32]);
 * net.g.output(net.relu(net.bn(net.conv(x, 3, 8, 3, { pad: 1 }), 8)));
 * const model = net.g.toModel({ opset: 17 });
 * ```
 */
export class Net {
  constructor(name, seed) {
    this.g = new GraphBuilder(name);
    this.uniform = seededRandom(seed);
    this.normal = normalFrom(this.uniform);
  }

  /** A float32 initializer of normal samples with standard deviation `std` (plus `mean`). */
  randomNormal(dims, std, name = 'w', mean = 0) {
    const count = dims.reduce((a, b) => a * b, 1);
    return this.g.constant({ type: 'float32', dims, data: Float32Array.from({ length: count }, () => mean + std * this.normal()) }, name);
  }

  /** A float32 initializer uniform in [low, high). */
  randomUniform(dims, low, high, name = 'u') {
    const count = dims.reduce((a, b) => a * b, 1);
    return this.g.constant({ type: 'float32', dims, data: Float32Array.from({ length: count }, () => low + (high - low) * this.uniform()) }, name);
  }

  /** A float32 scalar initializer (rank 0). */
  scalar(value, name = 'c') {
    return this.g.floats([value], [], name);
  }

  /**
   * Conv over N-d data (`kernel` a number or a list, one per spatial axis), He-normal weights.
   * Options: stride, pad (symmetric, per axis or one number), group, bias (default false), dilation.
   */
  conv(x, cin, cout, kernel, { stride = 1, pad = 0, group = 1, bias = false, dilation = 1, rank = 2, std } = {}) {
    const kernels = Array.isArray(kernel) ? kernel : Array(rank).fill(kernel);
    const each = (value) => (Array.isArray(value) ? value : Array(kernels.length).fill(value));
    const fanIn = (cin / group) * kernels.reduce((a, b) => a * b, 1);
    const w = this.randomNormal([cout, cin / group, ...kernels], std ?? Math.sqrt(2 / fanIn), 'conv_w');
    const b = bias ? this.randomNormal([cout], 0.1, 'conv_b') : undefined;
    const pads = each(pad);
    return this.g.conv(x, w, b, { kernel_shape: kernels, strides: each(stride), pads: [...pads, ...pads], dilations: each(dilation), group });
  }

  /** BatchNormalization with plausible running statistics; `gamma` scales the affine weight range. */
  bn(x, channels, { gamma = [0.8, 1.2] } = {}) {
    const scale = this.randomUniform([channels], gamma[0], gamma[1], 'bn_scale');
    const shift = this.randomNormal([channels], 0.1, 'bn_bias');
    const mean = this.randomNormal([channels], 0.1, 'bn_mean');
    const variance = this.randomUniform([channels], 0.5, 1.5, 'bn_var');
    return this.g.batchNormalization(x, scale, shift, mean, variance, 1e-5);
  }

  relu(x) {
    return this.g.relu(x);
  }

  /** SiLU as exporters write it: x * Sigmoid(x). */
  silu(x) {
    return this.g.mul(x, this.g.sigmoid(x));
  }

  /** GELU as exporters write it: x * 0.5 * (1 + Erf(x / sqrt(2))). */
  gelu(x) {
    const erf = this.g.layer('Erf', [this.g.div(x, this.scalar(Math.SQRT2, 'sqrt2'))]);
    return this.g.mul(this.g.mul(x, this.g.add(erf, this.scalar(1, 'one'))), this.scalar(0.5, 'half'));
  }

  /** Gemm with B transposed ([out, in], as PyTorch's Linear exports), bias, std sqrt(gain / in). */
  linear(x, inFeatures, outFeatures, { gain = 2 } = {}) {
    const w = this.randomNormal([outFeatures, inFeatures], Math.sqrt(gain / inFeatures), 'fc_w');
    return this.g.gemm(x, w, this.randomNormal([outFeatures], 0.1, 'fc_b'), { transB: 1 });
  }

  /** MatMul by a [in, out] weight, then Add of a bias (transformer exports). */
  dense(x, inFeatures, outFeatures, { gain = 1 } = {}) {
    const w = this.randomNormal([inFeatures, outFeatures], Math.sqrt(gain / inFeatures), 'mm_w');
    return this.g.add(this.g.matMul(x, w), this.randomNormal([outFeatures], 0.05, 'mm_b'));
  }

  /** LayerNormalization (opset 17) over the last axis, gamma near 1 and beta near 0. */
  layerNorm(x, width) {
    const scale = this.randomNormal([width], 0.1, 'ln_scale', 1);
    const shift = this.randomNormal([width], 0.05, 'ln_bias');
    return this.g.layer('LayerNormalization', [x, scale, shift], { axis: -1, epsilon: 1e-5 });
  }

  /** GPT-2's tanh GELU as Hugging Face writes it out: 0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3))). */
  geluTanh(x) {
    const cube = this.g.layer('Pow', [x, this.scalar(3, 'three')]);
    const inner = this.g.mul(this.g.add(x, this.g.mul(cube, this.scalar(0.044715, 'gelu_c'))), this.scalar(Math.sqrt(2 / Math.PI), 'sqrt_2_pi'));
    return this.g.mul(this.g.mul(x, this.scalar(0.5, 'half')), this.g.add(this.g.layer('Tanh', [inner]), this.scalar(1, 'one')));
  }

  /** HardSwish (opset 14), as PyTorch's nn.Hardswish exports. */
  hardSwish(x) {
    return this.g.layer('HardSwish', [x]);
  }

  /** HardSigmoid with PyTorch's constants (relu6(x + 3) / 6), as nn.Hardsigmoid exports. */
  hardSigmoid(x) {
    return this.g.layer('HardSigmoid', [x], { alpha: 1 / 6, beta: 0.5 });
  }

  /** InstanceNormalization with an affine weight near 1 and a bias near 0. */
  instanceNorm(x, channels) {
    const scale = this.randomUniform([channels], 0.8, 1.2, 'in_scale');
    const shift = this.randomNormal([channels], 0.1, 'in_bias');
    return this.g.layer('InstanceNormalization', [x, scale, shift], { epsilon: 1e-5 });
  }

  /** The model at `opset` (default 17). */
  toModel(opset = 17) {
    return this.g.toModel({ opset });
  }
}

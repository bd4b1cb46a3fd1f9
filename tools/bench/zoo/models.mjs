// A zoo of common architectures with seeded random weights, built with GraphBuilder (opset 17,
// batch 1 unless said), for checking Kiln on models the benchmarks never see (check.mjs). The
// shapes and op patterns follow what PyTorch's exporter writes for each architecture.
import { Net } from './layers.mjs';
import { moreZoo } from './models-more.mjs';

/** ResNet-18 at 224x224: Conv+BN+Relu, BasicBlocks with strided 1x1 downsample convs, residual Add, 1000 classes. */
export function resnet18(seed = 18) {
  const net = new Net('resnet18', seed);
  const { g } = net;
  let x = g.input('input', 'float32', [1, 3, 224, 224]);
  x = net.relu(net.bn(net.conv(x, 3, 64, 7, { stride: 2, pad: 3 }), 64));
  x = g.maxPool(x, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let channels = 64;
  for (const [width, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]]) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      const y = net.relu(net.bn(net.conv(x, channels, width, 3, { stride: s, pad: 1 }), width));
      // The second BN of a block starts small (as zero-init-residual training leaves it), so the
      // residual sum does not double the activations' variance at every block.
      const branch = net.bn(net.conv(y, width, width, 3, { pad: 1 }), width, { gamma: [0.2, 0.5] });
      const shortcut = s !== 1 || channels !== width ? net.bn(net.conv(x, channels, width, 1, { stride: s }), width) : x;
      x = net.relu(g.add(branch, shortcut));
      channels = width;
    }
  }
  const logits = net.linear(g.flatten(g.globalAveragePool(x)), 512, 1000, { gain: 1 });
  g.output(logits, 'float32', [1, 1000]);
  return net.toModel();
}

/**
 * ResNet-50 as torchvision builds it (v1.5: the stride on the 3x3 convolution): 7x7 stem, max pool,
 * bottleneck blocks [3, 4, 6, 3] of 1x1 → 3x3 → 1x1 (x4 expansion) with a 1x1 projection shortcut
 * at each stage's first block, global average pool, Gemm to 1000 classes. The model
 * ../shared/models/models.json announces and the benchmarks will time.
 */
export function resnet50(seed = 50) {
  const net = new Net('resnet50', seed);
  const { g } = net;
  let x = g.input('input', 'float32', [1, 3, 224, 224]);
  x = net.relu(net.bn(net.conv(x, 3, 64, 7, { stride: 2, pad: 3 }), 64));
  x = g.maxPool(x, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let channels = 64;
  for (const [width, blocks, stride] of [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]]) {
    for (let block = 0; block < blocks; block++) {
      const s = block === 0 ? stride : 1;
      const out = width * 4;
      let y = net.relu(net.bn(net.conv(x, channels, width, 1), width));
      y = net.relu(net.bn(net.conv(y, width, width, 3, { stride: s, pad: 1 }), width));
      // Small last BN (zero-init-residual style) so the sums keep their scale over 16 blocks.
      const branch = net.bn(net.conv(y, width, out, 1), out, { gamma: [0.2, 0.5] });
      const shortcut = block === 0 ? net.bn(net.conv(x, channels, out, 1, { stride: s }), out) : x;
      x = net.relu(g.add(branch, shortcut));
      channels = out;
    }
  }
  const logits = net.linear(g.flatten(g.globalAveragePool(x)), 2048, 1000, { gain: 1 });
  g.output(logits, 'float32', [1, 1000]);
  return net.toModel();
}

/**
 * A ViT-Tiny-like encoder at 224x224: 16x16 patch Conv to 192 channels, class token, position
 * embedding, 4 pre-norm blocks of 3 heads (even blocks: one fused QKV MatMul split by Gather, as
 * timm exports; odd blocks: separate Q, K, V MatMuls, as Hugging Face exports), GELU MLP, final
 * LayerNorm, class-token Gather, Gemm head.
 */
export function vit_tiny(seed = 192) {
  const net = new Net('vit_tiny', seed);
  const { g } = net;
  const [width, heads, depth, tokens] = [192, 3, 4, 197];
  const headWidth = width / heads;
  const image = g.input('pixel_values', 'float32', [1, 3, 224, 224]);
  const patches = net.conv(image, 3, width, 16, { stride: 16, bias: true, std: Math.sqrt(1 / 768) });
  const sequence = g.transpose(g.reshape(patches, [1, width, 196]), [0, 2, 1]);
  let x = g.concat([net.randomNormal([1, 1, width], 0.5, 'cls_token'), sequence], 1);
  x = g.add(x, net.randomNormal([1, tokens, width], 0.5, 'pos_embed'));
  const toHeads = (t) => g.transpose(g.reshape(t, [1, tokens, heads, headWidth]), [0, 2, 1, 3]);
  for (let block = 0; block < depth; block++) {
    const h = net.layerNorm(x, width);
    let q;
    let k;
    let v;
    if (block % 2 === 0) {
      const qkv = g.transpose(g.reshape(net.dense(h, width, 3 * width), [1, tokens, 3, heads, headWidth]), [2, 0, 3, 1, 4]);
      [q, k, v] = [0, 1, 2].map((i) => g.layer('Gather', [qkv, g.ints([i], [], 'index')], { axis: 0 }));
      k = g.transpose(k, [0, 1, 3, 2]);
    } else {
      [q, k, v] = [0, 1, 2].map(() => toHeads(net.dense(h, width, width)));
      k = g.transpose(k, [0, 1, 3, 2]);
    }
    let scores = g.matMul(q, k);
    scores = block % 2 === 0 ? g.mul(scores, net.scalar(1 / Math.sqrt(headWidth), 'scale')) : g.div(scores, net.scalar(Math.sqrt(headWidth), 'scale'));
    const context = g.matMul(g.softmax(scores, -1), v);
    const merged = g.reshape(g.transpose(context, [0, 2, 1, 3]), [1, tokens, width]);
    x = g.add(x, net.dense(merged, width, width));
    const mlp = net.dense(net.gelu(net.dense(net.layerNorm(x, width), width, 4 * width, { gain: 2 })), 4 * width, width);
    x = g.add(x, mlp);
  }
  const cls = g.layer('Gather', [net.layerNorm(x, width), g.ints([0], [], 'cls_index')], { axis: 1 });
  g.output(net.linear(cls, width, 1000, { gain: 1 }), 'float32', [1, 1000]);
  return net.toModel();
}

/**
 * An EfficientNet-B0-like network at 224x224: stem Conv+BN+SiLU, MBConv blocks (1x1 expand,
 * depthwise 3x3 or 5x5, squeeze-and-excitation, 1x1 project, residual when shapes allow), head
 * 1x1 conv, global pool, 1000 classes. SE pools with GlobalAveragePool in some blocks and
 * ReduceMean in others (both occur in exports).
 */
export function efficientnet_like(seed = 0xeff) {
  const net = new Net('efficientnet_like', seed);
  const { g } = net;
  let x = g.input('input', 'float32', [1, 3, 224, 224]);
  x = net.silu(net.bn(net.conv(x, 3, 32, 3, { stride: 2, pad: 1 }), 32));
  // [expand, kernel, stride, out channels, repeats]
  const stages = [[1, 3, 1, 16, 1], [6, 3, 2, 24, 2], [6, 5, 2, 40, 2], [6, 3, 2, 80, 2], [6, 5, 1, 112, 1]];
  let channels = 32;
  let blockIndex = 0;
  for (const [expand, kernel, stride, out, repeats] of stages) {
    for (let r = 0; r < repeats; r++) {
      const s = r === 0 ? stride : 1;
      const hidden = channels * expand;
      let y = x;
      if (expand !== 1) y = net.silu(net.bn(net.conv(y, channels, hidden, 1), hidden));
      y = net.silu(net.bn(net.conv(y, hidden, hidden, kernel, { stride: s, pad: (kernel - 1) / 2, group: hidden }), hidden));
      const squeezed = Math.max(1, Math.floor(channels / 4));
      const pooled = blockIndex % 2 === 0 ? g.globalAveragePool(y) : g.layer('ReduceMean', [y], { axes: [2, 3], keepdims: 1 });
      const gate = g.sigmoid(net.conv(net.silu(net.conv(pooled, hidden, squeezed, 1, { bias: true })), squeezed, hidden, 1, { bias: true }));
      y = net.bn(net.conv(g.mul(y, gate), hidden, out, 1, { std: Math.sqrt(1 / hidden) }), out);
      x = s === 1 && channels === out ? g.add(x, y) : y;
      channels = out;
      blockIndex++;
    }
  }
  x = net.silu(net.bn(net.conv(x, channels, 1280, 1), 1280));
  g.output(net.linear(g.flatten(g.globalAveragePool(x)), 1280, 1000, { gain: 1 }), 'float32', [1, 1000]);
  return net.toModel();
}

/**
 * A small U-Net at 128x128: two encoder levels (two Conv+BN+Relu each, MaxPool 2), a bottleneck,
 * a decoder level upsampled by ConvTranspose (kernel 2, stride 2) and one by Resize (scales 2,
 * `resizeMode` 'linear' as PyTorch's bilinear Upsample exports it, or 'nearest'), skip Concats,
 * a 1x1 Conv to one channel and Sigmoid.
 */
export function unet_small(seed = 128, resizeMode = 'linear') {
  const net = new Net('unet_small', seed);
  const { g } = net;
  const double = (x, cin, cout) => {
    const y = net.relu(net.bn(net.conv(x, cin, cout, 3, { pad: 1 }), cout));
    return net.relu(net.bn(net.conv(y, cout, cout, 3, { pad: 1 }), cout));
  };
  const pool = (x) => g.maxPool(x, { kernel_shape: [2, 2], strides: [2, 2] });
  const image = g.input('image', 'float32', [1, 3, 128, 128]);
  const skip1 = double(image, 3, 16);
  const skip2 = double(pool(skip1), 16, 32);
  const bottom = double(pool(skip2), 32, 64);
  const up2 = g.layer('ConvTranspose', [bottom, net.randomNormal([64, 32, 2, 2], Math.sqrt(2 / (64 * 4)), 'deconv_w'), net.randomNormal([32], 0.1, 'deconv_b')], { kernel_shape: [2, 2], strides: [2, 2] });
  const dec2 = double(g.concat([up2, skip2], 1), 64, 32);
  const resizeAttributes = resizeMode === 'linear' ? { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' } : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
  const up1 = net.conv(g.layer('Resize', [dec2, undefined, g.floats([1, 1, 2, 2], [4], 'scales')], resizeAttributes), 32, 16, 1, { bias: true });
  const dec1 = double(g.concat([up1, skip1], 1), 32, 16);
  g.output(g.sigmoid(net.conv(dec1, 16, 1, 1, { bias: true, std: Math.sqrt(1 / 16) })), 'float32', [1, 1, 128, 128]);
  return net.toModel();
}

/** An MLP for tabular data, batch 64 x 256 features: Gemm/MatMul layers with Relu and Tanh, 10 logits. */
export function mlp_tabular(seed = 64) {
  const net = new Net('mlp_tabular', seed);
  const { g } = net;
  let x = g.input('features', 'float32', [64, 256]);
  x = net.relu(net.linear(x, 256, 512));
  x = g.layer('Tanh', [net.dense(x, 512, 256)]);
  x = net.relu(net.linear(x, 256, 128));
  g.output(net.linear(x, 128, 10, { gain: 1 }), 'float32', [64, 10]);
  return net.toModel();
}

/**
 * An M5-like raw-audio classifier over [1, 1, 16000]: a wide strided Conv1d (80 taps, stride 4),
 * Conv1d+BN+Relu blocks (one strided), MaxPool 1d, GlobalAveragePool, Flatten, Gemm to 35 classes.
 * `layout` '2d' writes the same network as 2-d ops over [1, 1, 1, 16000] with 1xK kernels (as
 * some exporters and hand-ported models do).
 */
export function conv1d_audio(seed = 16000, layout = '1d') {
  const net = new Net(`conv1d_audio_${layout}`, seed);
  const { g } = net;
  const flat = layout === '1d';
  const kernel = (k) => (flat ? [k] : [1, k]);
  const conv = (x, cin, cout, k, stride, pad) => net.conv(x, cin, cout, kernel(k), { stride: flat ? stride : [1, stride], pad: flat ? pad : [0, pad] });
  const pool = (x) => g.maxPool(x, { kernel_shape: kernel(4), strides: kernel(4) });
  let x = g.input('waveform', 'float32', flat ? [1, 1, 16000] : [1, 1, 1, 16000]);
  x = pool(net.relu(net.bn(conv(x, 1, 32, 80, 4, 38), 32)));
  x = pool(net.relu(net.bn(conv(x, 32, 32, 3, 1, 1), 32)));
  x = net.relu(net.bn(conv(x, 32, 64, 3, 2, 1), 64));
  x = pool(net.relu(net.bn(conv(x, 64, 64, 3, 1, 1), 64)));
  x = net.relu(net.bn(conv(x, 64, 128, 3, 1, 1), 128));
  g.output(net.linear(g.flatten(g.globalAveragePool(x)), 128, 35, { gain: 1 }), 'float32', [1, 35]);
  return net.toModel();
}

/** One LSTM layer (sequence 32, batch 1, 64 inputs, hidden 128; PyTorch's uniform init) and a Gemm on the last hidden state. */
export function lstm_small(seed = 32) {
  const net = new Net('lstm_small', seed);
  const { g } = net;
  const hidden = 128;
  const bound = 1 / Math.sqrt(hidden);
  const x = g.input('sequence', 'float32', [32, 1, 64]);
  const w = net.randomUniform([1, 4 * hidden, 64], -bound, bound, 'lstm_w');
  const r = net.randomUniform([1, 4 * hidden, hidden], -bound, bound, 'lstm_r');
  const b = net.randomUniform([1, 8 * hidden], -bound, bound, 'lstm_b');
  const [, last] = g.layerOutputs('LSTM', [x, w, r, b], 3, { hidden_size: hidden });
  g.output(net.linear(g.reshape(last, [1, hidden]), hidden, 10, { gain: 1 }), 'float32', [1, 10]);
  return net.toModel();
}

/** Every zoo model: its name, a builder, and its inputs (name, dtype, shape). */
export const zoo = [
  { name: 'resnet18', build: resnet18, inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }] },
  { name: 'vit_tiny', build: vit_tiny, inputs: [{ name: 'pixel_values', dtype: 'float32', shape: [1, 3, 224, 224] }] },
  { name: 'efficientnet_like', build: efficientnet_like, inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }] },
  { name: 'unet_small', build: unet_small, inputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 128, 128] }] },
  { name: 'resnet50', build: resnet50, inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }] },
  { name: 'mlp_tabular', build: mlp_tabular, inputs: [{ name: 'features', dtype: 'float32', shape: [64, 256] }] },
  { name: 'conv1d_audio', build: conv1d_audio, inputs: [{ name: 'waveform', dtype: 'float32', shape: [1, 1, 16000] }] },
  { name: 'conv1d_audio_as_2d', build: () => conv1d_audio(16000, '2d'), inputs: [{ name: 'waveform', dtype: 'float32', shape: [1, 1, 1, 16000] }] },
  { name: 'lstm_small', build: lstm_small, inputs: [{ name: 'sequence', dtype: 'float32', shape: [32, 1, 64] }] },
  ...moreZoo,
];

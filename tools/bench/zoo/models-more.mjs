// More zoo architectures (see models.mjs): a GPT-2-like decoder, a YOLOv8n-like detector,
// ConvNeXt, MobileNetV3-small, DenseNet, fast neural style and DeepLabV3, each written with the
// op patterns its usual exporter (PyTorch's, Hugging Face's, Ultralytics') leaves in the graph.
import { Net } from './layers.mjs';

/** A bool initializer from 0/1 numbers. */
function bools(net, values, dims, name) {
  return net.g.constant({ type: 'bool', dims, data: Uint8Array.from(values) }, name);
}

/** Resize by 2 with nearest neighbours, as nn.Upsample(scale_factor=2) exports at opset 11+. */
function upsampleNearest(net, x) {
  const attributes = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
  return net.g.layer('Resize', [x, undefined, net.g.floats([1, 1, 2, 2], [4], 'scales')], attributes);
}

/** Bilinear Resize to a fixed size (F.interpolate(size=..., align_corners=False) at opset 11+). */
function resizeBilinear(net, x, sizes) {
  const attributes = { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
  return net.g.layer('Resize', [x, undefined, undefined, net.g.ints(sizes, [4], 'sizes')], attributes);
}

/**
 * A GPT-2-like decoder (hidden 128, 4 heads, 4 blocks, vocabulary 2000) over int64 input_ids
 * [1, 64], as Hugging Face exports it: token and position Gathers, pre-LayerNorm blocks with a
 * fused QKV MatMul+Add and Split, a causal mask sliced from a bool buffer and applied by Where with
 * float32's lowest value, tanh GELU written out, final LayerNorm, logits against the tied embedding.
 */
export function gpt2_tiny(seed = 2) {
  const net = new Net('gpt2_tiny', seed);
  const { g } = net;
  const [width, heads, depth, tokens, vocabulary, context] = [128, 4, 4, 64, 2000, 128];
  const headWidth = width / heads;
  const ids = g.input('input_ids', 'int64', [1, tokens]);
  // Embeddings std 0.1: logits against them then have a spread near 1.
  const wte = net.randomNormal([vocabulary, width], 0.1, 'wte');
  const wpe = net.randomNormal([context, width], 0.1, 'wpe');
  const positions = g.ints(Array.from({ length: tokens }, (_, i) => i), [1, tokens], 'position_ids');
  let x = g.add(g.layer('Gather', [wte, ids], { axis: 0 }), g.layer('Gather', [wpe, positions], { axis: 0 }));
  // The model's bias buffer covers the whole context; each layer slices the [tokens, tokens] corner.
  const tril = Array.from({ length: context * context }, (_, i) => (i % context <= Math.floor(i / context) ? 1 : 0));
  const buffer = bools(net, tril, [1, 1, context, context], 'attn_bias');
  const lowest = net.scalar(-3.4028234663852886e38, 'mask_value');
  for (let block = 0; block < depth; block++) {
    const qkv = net.dense(net.layerNorm(x, width), width, 3 * width);
    const [q, k, v] = g.layerOutputs('Split', [qkv, g.ints([width, width, width], [3], 'split')], 3, { axis: 2 });
    const split = (t, perm) => g.transpose(g.reshape(t, [1, tokens, heads, headWidth]), perm);
    let scores = g.matMul(split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1]));
    scores = g.div(scores, net.scalar(Math.sqrt(headWidth), 'scale'));
    const mask = g.layer('Slice', [buffer, g.ints([0, 0], [2], 'starts'), g.ints([tokens, tokens], [2], 'ends'), g.ints([2, 3], [2], 'axes')]);
    scores = g.layer('Where', [mask, scores, lowest]);
    const attended = g.matMul(g.softmax(scores, -1), split(v, [0, 2, 1, 3]));
    const merged = g.reshape(g.transpose(attended, [0, 2, 1, 3]), [1, tokens, width]);
    x = g.add(x, net.dense(merged, width, width));
    x = g.add(x, net.dense(net.geluTanh(net.dense(net.layerNorm(x, width), width, 4 * width, { gain: 2 })), 4 * width, width));
  }
  const logits = g.matMul(net.layerNorm(x, width), g.transpose(wte, [1, 0]));
  g.output(logits, 'float32', [1, tokens, vocabulary]);
  return net.toModel();
}

/**
 * A YOLOv8n-like detector at 320x320 (80 classes) as Ultralytics exports it: Conv with the BN
 * folded into its bias + SiLU, C2f blocks (Split in halves, bottlenecks, Concat), SPPF (three
 * chained 5x5 MaxPools), an FPN/PAN neck with nearest Resize x2 and Concat, a decoupled head per
 * scale, DFL (Softmax over 16 bins and a 1x1 Conv), box decoding against anchor points, and
 * Sigmoid class scores: output [1, 84, 2100].
 */
export function yolo_like(seed = 8) {
  const net = new Net('yolo_like', seed);
  const { g } = net;
  const [size, classes, bins] = [320, 80, 16];
  const conv = (x, cin, cout, k = 1, stride = 1) => net.silu(net.conv(x, cin, cout, k, { stride, pad: (k - 1) / 2, bias: true }));
  const c2f = (x, cin, cout, n, shortcut) => {
    const half = cout / 2;
    const parts = g.layerOutputs('Split', [conv(x, cin, cout), g.ints([half, half], [2], 'split')], 2, { axis: 1 });
    for (let i = 0; i < n; i++) {
      const last = parts[parts.length - 1];
      const y = conv(conv(last, half, half, 3), half, half, 3);
      parts.push(shortcut ? g.add(last, y) : y);
    }
    return conv(g.concat(parts, 1), (2 + n) * half, cout);
  };
  const sppf = (x, cin, cout) => {
    const pool = (t) => g.maxPool(t, { kernel_shape: [5, 5], strides: [1, 1], pads: [2, 2, 2, 2] });
    const y0 = conv(x, cin, cin / 2);
    const y1 = pool(y0);
    const y2 = pool(y1);
    return conv(g.concat([y0, y1, y2, pool(y2)], 1), 2 * cin, cout);
  };
  const image = g.input('images', 'float32', [1, 3, size, size]);
  let x = conv(conv(image, 3, 16, 3, 2), 16, 32, 3, 2);
  x = c2f(x, 32, 32, 1, true);
  const p3 = c2f(conv(x, 32, 64, 3, 2), 64, 64, 2, true);
  const p4 = c2f(conv(p3, 64, 128, 3, 2), 128, 128, 2, true);
  const p5 = sppf(c2f(conv(p4, 128, 256, 3, 2), 256, 256, 1, true), 256, 256);
  const h4 = c2f(g.concat([upsampleNearest(net, p5), p4], 1), 384, 128, 1, false);
  const out3 = c2f(g.concat([upsampleNearest(net, h4), p3], 1), 192, 64, 1, false);
  const out4 = c2f(g.concat([conv(out3, 64, 64, 3, 2), h4], 1), 192, 128, 1, false);
  const out5 = c2f(g.concat([conv(out4, 128, 128, 3, 2), p5], 1), 384, 256, 1, false);
  const boxWidth = 4 * bins;
  // Ultralytics' class-branch width: max(first head input's channels, min(classes, 100)).
  const clsWidth = Math.max(64, Math.min(classes, 100));
  const flat = [];
  const anchors = [[], []];
  const strides = [];
  for (const [feature, channels, stride] of [[out3, 64, 8], [out4, 128, 16], [out5, 256, 32]]) {
    const box = net.conv(conv(conv(feature, channels, boxWidth, 3), boxWidth, boxWidth, 3), boxWidth, boxWidth, 1, { bias: true, std: Math.sqrt(1 / boxWidth) });
    const cls = net.conv(conv(conv(feature, channels, clsWidth, 3), clsWidth, clsWidth, 3), clsWidth, classes, 1, { bias: true, std: Math.sqrt(1 / clsWidth) });
    flat.push(g.reshape(g.concat([box, cls], 1), [1, boxWidth + classes, -1]));
    const cells = size / stride;
    for (let i = 0; i < cells * cells; i++) {
      anchors[0].push((i % cells) + 0.5);
      anchors[1].push(Math.floor(i / cells) + 0.5);
      strides.push(stride);
    }
  }
  const count = strides.length;
  const [boxes, scores] = g.layerOutputs('Split', [g.concat(flat, 2), g.ints([boxWidth, classes], [2], 'split')], 2, { axis: 1 });
  // DFL: the expected bin under a softmax over each side's 16 bins, as a 1x1 Conv with weights 0..15.
  const distribution = g.softmax(g.transpose(g.reshape(boxes, [1, 4, bins, count]), [0, 2, 1, 3]), 1);
  const project = g.floats(Array.from({ length: bins }, (_, i) => i), [1, bins, 1, 1], 'dfl_w');
  const distances = g.reshape(g.conv(distribution, project), [1, 4, count]);
  const [lt, rb] = g.layerOutputs('Split', [distances, g.ints([2, 2], [2], 'split')], 2, { axis: 1 });
  const points = g.floats([...anchors[0], ...anchors[1]], [1, 2, count], 'anchors');
  const topLeft = g.sub(points, lt);
  const bottomRight = g.add(points, rb);
  const centre = g.div(g.add(topLeft, bottomRight), net.scalar(2, 'two'));
  const decoded = g.mul(g.concat([centre, g.sub(bottomRight, topLeft)], 1), g.floats(strides, [1, count], 'strides'));
  g.output(g.concat([decoded, g.sigmoid(scores)], 1), 'float32', [1, 4 + classes, count]);
  return net.toModel();
}

/** LayerNorm over the channels of NCHW data as timm's LayerNorm2d exports: Transpose, LayerNormalization, Transpose. */
function layerNorm2d(net, x, channels) {
  return net.g.transpose(net.layerNorm(net.g.transpose(x, [0, 2, 3, 1]), channels), [0, 3, 1, 2]);
}

/**
 * A ConvNeXt-like network at 224x224 (widths 48/96/192/384, depths 2/2/4/2): 4x4 stride-4
 * patchify stem + LayerNorm2d, blocks of depthwise 7x7 → NHWC Transpose → LayerNormalization →
 * MatMul x4 → erf GELU → MatMul → layer-scale Mul → Transpose back → residual Add, LayerNorm2d +
 * 2x2 stride-2 Conv downsampling, GlobalAveragePool + LayerNorm + Gemm head.
 */
export function convnext_like(seed = 7) {
  const net = new Net('convnext_like', seed);
  const { g } = net;
  const widths = [48, 96, 192, 384];
  const depths = [2, 2, 4, 2];
  let x = g.input('pixel_values', 'float32', [1, 3, 224, 224]);
  x = layerNorm2d(net, net.conv(x, 3, widths[0], 4, { stride: 4, bias: true, std: Math.sqrt(1 / 48) }), widths[0]);
  for (const [stage, width] of widths.entries()) {
    if (stage > 0) x = net.conv(layerNorm2d(net, x, widths[stage - 1]), widths[stage - 1], width, 2, { stride: 2, bias: true, std: Math.sqrt(1 / (4 * widths[stage - 1])) });
    for (let block = 0; block < depths[stage]; block++) {
      const spatial = net.conv(x, width, width, 7, { pad: 3, group: width, bias: true, std: Math.sqrt(1 / 49) });
      let y = net.layerNorm(g.transpose(spatial, [0, 2, 3, 1]), width);
      y = net.dense(net.gelu(net.dense(y, width, 4 * width, { gain: 2 })), 4 * width, width);
      // Trained layer scales sit well above their 1e-6 init; 0.1-0.5 keeps the residual sums O(1).
      y = g.mul(y, net.randomUniform([width], 0.1, 0.5, 'layer_scale'));
      x = g.add(x, g.transpose(y, [0, 3, 1, 2]));
    }
  }
  const pooled = net.layerNorm(g.flatten(g.globalAveragePool(x)), widths[3]);
  g.output(net.linear(pooled, widths[3], 1000, { gain: 1 }), 'float32', [1, 1000]);
  return net.toModel();
}

/**
 * A MobileNetV3-small-like network at 224x224 (torchvision's layer table): Conv+BN+HardSwish stem,
 * inverted residuals with 3x3 and 5x5 depthwise convs, Relu or HardSwish, squeeze-and-excitation
 * (GlobalAveragePool → 1x1 Conv → Relu → 1x1 Conv → HardSigmoid → Mul), 1x1 head conv, classifier
 * Gemm → HardSwish → Gemm to 1000 classes.
 */
export function mobilenet_v3_like(seed = 3) {
  const net = new Net('mobilenet_v3_like', seed);
  const { g } = net;
  const act = (x, kind) => (kind === 'HS' ? net.hardSwish(x) : net.relu(x));
  const divisible = (v) => Math.max(8, Math.floor((v + 4) / 8) * 8);
  let x = g.input('input', 'float32', [1, 3, 224, 224]);
  x = net.hardSwish(net.bn(net.conv(x, 3, 16, 3, { stride: 2, pad: 1 }), 16));
  // [kernel, expanded, out, squeeze-and-excitation, activation, stride]
  const table = [
    [3, 16, 16, true, 'RE', 2], [3, 72, 24, false, 'RE', 2], [3, 88, 24, false, 'RE', 1],
    [5, 96, 40, true, 'HS', 2], [5, 240, 40, true, 'HS', 1], [5, 240, 40, true, 'HS', 1],
    [5, 120, 48, true, 'HS', 1], [5, 144, 48, true, 'HS', 1],
    [5, 288, 96, true, 'HS', 2], [5, 576, 96, true, 'HS', 1], [5, 576, 96, true, 'HS', 1],
  ];
  let channels = 16;
  for (const [kernel, expanded, out, se, kind, stride] of table) {
    let y = x;
    if (expanded !== channels) y = act(net.bn(net.conv(y, channels, expanded, 1), expanded), kind);
    y = act(net.bn(net.conv(y, expanded, expanded, kernel, { stride, pad: (kernel - 1) / 2, group: expanded }), expanded), kind);
    if (se) {
      const squeezed = divisible(expanded / 4);
      const hidden = net.relu(net.conv(g.globalAveragePool(y), expanded, squeezed, 1, { bias: true }));
      y = g.mul(y, net.hardSigmoid(net.conv(hidden, squeezed, expanded, 1, { bias: true, std: Math.sqrt(1 / squeezed) })));
    }
    y = net.bn(net.conv(y, expanded, out, 1, { std: Math.sqrt(1 / expanded) }), out);
    x = stride === 1 && channels === out ? g.add(x, y) : y;
    channels = out;
  }
  x = net.hardSwish(net.bn(net.conv(x, channels, 576, 1), 576));
  const hidden = net.hardSwish(net.linear(g.flatten(g.globalAveragePool(x)), 576, 1024));
  g.output(net.linear(hidden, 1024, 1000, { gain: 1 }), 'float32', [1, 1000]);
  return net.toModel();
}

/**
 * A DenseNet-like network at 224x224 (growth 16, bottleneck width 64, dense blocks of 4/6/8
 * layers): 7x7 stem + BN + Relu + MaxPool; each dense layer Concats every earlier feature map (a
 * new Concat per layer, as torchvision's export writes it), then BN → Relu → 1x1 Conv → BN → Relu
 * → 3x3 Conv; transitions BN → Relu → 1x1 Conv (halving channels) → AveragePool 2x2; final BN +
 * Relu, GlobalAveragePool, Gemm to 1000 classes.
 */
export function densenet_like(seed = 121) {
  const net = new Net('densenet_like', seed);
  const { g } = net;
  const [growth, bottleneck] = [16, 64];
  const preact = (x, channels) => net.relu(net.bn(x, channels));
  let x = g.input('input', 'float32', [1, 3, 224, 224]);
  x = preact(net.conv(x, 3, 32, 7, { stride: 2, pad: 3 }), 32);
  x = g.maxPool(x, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let channels = 32;
  for (const [index, layers] of [4, 6, 8].entries()) {
    const features = [x];
    for (let layer = 0; layer < layers; layer++) {
      const joined = features.length === 1 ? features[0] : g.concat(features, 1);
      const y = net.conv(preact(joined, channels), channels, bottleneck, 1);
      features.push(net.conv(preact(y, bottleneck), bottleneck, growth, 3, { pad: 1 }));
      channels += growth;
    }
    x = g.concat(features, 1);
    if (index < 2) {
      x = net.conv(preact(x, channels), channels, channels / 2, 1, { std: Math.sqrt(1 / channels) });
      x = g.averagePool(x, { kernel_shape: [2, 2], strides: [2, 2] });
      channels /= 2;
    }
  }
  x = g.flatten(g.globalAveragePool(preact(x, channels)));
  g.output(net.linear(x, channels, 1000, { gain: 1 }), 'float32', [1, 1000]);
  return net.toModel();
}

/**
 * A fast-neural-style-like image transformer (pytorch/examples TransformerNet at a quarter of its
 * widths: 8/16/32) over 1x3x224x224: every conv after a reflection Pad, InstanceNormalization +
 * Relu, two stride-2 downsamplings, 5 residual blocks, two nearest Resize x2 + conv upsamplings,
 * a final 9x9 conv to 3 channels.
 */
export function style_transfer(seed = 9) {
  const net = new Net('style_transfer', seed);
  const { g } = net;
  const convLayer = (x, cin, cout, k, stride = 1, { std } = {}) => {
    const p = Math.floor(k / 2);
    const padded = g.layer('Pad', [x, g.ints([0, 0, p, p, 0, 0, p, p], [8], 'pads')], { mode: 'reflect' });
    return net.conv(padded, cin, cout, k, { stride, bias: true, std });
  };
  const normRelu = (x, channels) => net.relu(net.instanceNorm(x, channels));
  let x = g.input('input', 'float32', [1, 3, 224, 224]);
  x = normRelu(convLayer(x, 3, 8, 9), 8);
  x = normRelu(convLayer(x, 8, 16, 3, 2), 16);
  x = normRelu(convLayer(x, 16, 32, 3, 2), 32);
  for (let block = 0; block < 5; block++) {
    const y = normRelu(convLayer(x, 32, 32, 3), 32);
    x = g.add(x, net.instanceNorm(convLayer(y, 32, 32, 3), 32));
  }
  x = normRelu(convLayer(upsampleNearest(net, x), 32, 16, 3), 16);
  x = normRelu(convLayer(upsampleNearest(net, x), 16, 8, 3), 8);
  g.output(convLayer(x, 8, 3, 9, 1, { std: Math.sqrt(1 / (8 * 81)) }), 'float32', [1, 3, 224, 224]);
  return net.toModel();
}

/**
 * A DeepLabV3-like segmenter at 224x224 (21 classes, output stride 8): a small strided
 * Conv+BN+Relu backbone ending in a dilation-2 conv, ASPP (1x1 conv, 3x3 convs at dilations 2, 4
 * and 6, and a GlobalAveragePool branch brought back to 28x28 by bilinear Resize), Concat, 1x1
 * projection, 3x3 conv, 1x1 classifier, bilinear Resize (half_pixel) to the input size.
 */
export function deeplab_like(seed = 21) {
  const net = new Net('deeplab_like', seed);
  const { g } = net;
  const block = (x, cin, cout, k, options = {}) => net.relu(net.bn(net.conv(x, cin, cout, k, options), cout));
  let x = g.input('input', 'float32', [1, 3, 224, 224]);
  x = block(x, 3, 32, 3, { stride: 2, pad: 1 });
  x = block(x, 32, 64, 3, { stride: 2, pad: 1 });
  x = block(x, 64, 128, 3, { stride: 2, pad: 1 });
  x = block(x, 128, 128, 3, { pad: 2, dilation: 2 });
  const branches = [block(x, 128, 64, 1)];
  for (const rate of [2, 4, 6]) branches.push(block(x, 128, 64, 3, { pad: rate, dilation: rate }));
  branches.push(resizeBilinear(net, block(g.globalAveragePool(x), 128, 64, 1), [1, 64, 28, 28]));
  let y = block(g.concat(branches, 1), 320, 64, 1);
  y = block(y, 64, 64, 3, { pad: 1 });
  y = net.conv(y, 64, 21, 1, { bias: true, std: Math.sqrt(1 / 64) });
  g.output(resizeBilinear(net, y, [1, 21, 224, 224]), 'float32', [1, 21, 224, 224]);
  return net.toModel();
}

const imageInputs = (name, size = 224) => [{ name, dtype: 'float32', shape: [1, 3, size, size] }];

/** The models of this file as zoo entries (models.mjs appends them to its `zoo`). */
export const moreZoo = [
  { name: 'gpt2_tiny', build: gpt2_tiny, inputs: [{ name: 'input_ids', dtype: 'int64', shape: [1, 64], values: '[0, 2000)' }] },
  { name: 'yolo_like', build: yolo_like, inputs: imageInputs('images', 320) },
  { name: 'convnext_like', build: convnext_like, inputs: imageInputs('pixel_values') },
  { name: 'mobilenet_v3_like', build: mobilenet_v3_like, inputs: imageInputs('input') },
  { name: 'densenet_like', build: densenet_like, inputs: imageInputs('input') },
  { name: 'style_transfer', build: style_transfer, inputs: imageInputs('input') },
  { name: 'deeplab_like', build: deeplab_like, inputs: imageInputs('input') },
];

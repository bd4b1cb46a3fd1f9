#include "executor/pack_weights.h"

#include <cmath>
#include <cstdio>

#include "executor/error.h"
#include "kernels/bf16-dwconv/dwconv.h"
#include "kernels/bf16-mbconv/mbconv.h"
#include "kernels/f32-conv/stem.h"
#include "kernels/f32-conv/variants.h"
#include "kernels/f32-gemm/variants.h"
#include "kernels/f32-mbconv/mbconv.h"
#include "kernels/lowp-conv/conv.h"
#include "kernels/lowp-conv/stem.h"
#include "kernels/lowp-dwconv/dwconv.h"
#include "kernels/lowp-gemm/packed_weights.h"

namespace kiln {
namespace {

const char* const kWhere = "packWeights";

[[noreturn]] void fail(const std::string& message, const std::string& expected, const std::string& found,
                       const std::string& hint) {
  throw KilnException("ERR_ARGUMENT", message, expected, found, kWhere, hint);
}

std::string list_string(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%s%g", i ? ", " : "", values[i]);
    out += buffer;
  }
  return out + "]";
}

std::vector<int64_t> integers(const std::vector<double>& shape, size_t count, const char* meaning) {
  if (shape.size() != count) {
    fail("Wrong shape length for this tactic.", std::to_string(count) + " numbers: " + meaning,
         std::to_string(shape.size()) + " numbers " + list_string(shape), "See packWeights' documentation.");
  }
  std::vector<int64_t> out;
  for (double v : shape) {
    if (!(std::isfinite(v) && v == std::floor(v) && v >= 0 && v < 9007199254740992.0)) {
      fail("Shape entries must be non-negative integers.", meaning, list_string(shape), "");
    }
    out.push_back(static_cast<int64_t>(v));
  }
  return out;
}

void check_length(int64_t expected, int64_t found, const std::string& layout) {
  if (expected != found) {
    fail("The weights length does not match the shape.", std::to_string(expected) + " floats (" + layout + ")",
         std::to_string(found) + " floats", "Pass the ONNX initializer's data unchanged.");
  }
}

// The geometry a packing call describes. Packing does not depend on the image size: any size with
// a non-empty output will do.
f32_conv::ConvShape conv_shape(const std::vector<double>& shape) {
  const std::vector<int64_t> d =
      integers(shape, 13, "[outChannels, inChannels, kh, kw, strideH, strideW, dilationH, dilationW, padTop, "
                          "padLeft, padBottom, padRight, group]");
  f32_conv::ConvShape s;
  s.out_c = d[0], s.in_c = d[1], s.kernel_h = d[2], s.kernel_w = d[3], s.stride_h = d[4], s.stride_w = d[5];
  s.dilation_h = d[6], s.dilation_w = d[7], s.pad_top = d[8], s.pad_left = d[9], s.pad_bottom = d[10];
  s.pad_right = d[11], s.groups = d[12];
  s.in_h = s.dilation_h * (s.kernel_h - 1) + 1, s.in_w = s.dilation_w * (s.kernel_w - 1) + 1;
  if (!s.valid()) {
    fail("Invalid convolution geometry.", "positive sizes, strides, dilations and group dividing both channel counts",
         list_string(shape), "");
  }
  return s;
}

AlignedBuffer pack_conv(const f32_conv::ConvVariant* variant, const std::vector<double>& shape, const float* weights,
                        int64_t length) {
  const f32_conv::ConvShape s = conv_shape(shape);
  if (variant == nullptr) {  // alias: the first applicable variant under the cap, as createEngine picks
    for (size_t i = 0; i < f32_conv::conv_variant_count() && variant == nullptr; ++i) {
      const f32_conv::ConvVariant& v = f32_conv::conv_variants()[i];
      if (isa_usable(v.isa) && v.applies(s)) variant = &v;
    }
  } else if (!variant->applies(s)) {
    fail(std::string("Conv variant ") + variant->name + " does not apply to this convolution.",
         "a variant whose conditions hold (1x1 without pads for conv_1x1, depthwise for dwconv)", list_string(shape),
         "Pick another tactic; f32_conv_im2col_* and f32_conv_direct__scalar apply to every convolution.");
  }
  check_length(s.out_c * (s.in_c / s.groups) * s.kernel_h * s.kernel_w, length, "[OC, IC/group, kh, kw]");
  AlignedBuffer out(variant->packed_size(s) * sizeof(float), true);
  variant->pack(s, weights, reinterpret_cast<float*>(out.data()));
  return out;
}

// f32_conv_nchw and bf16_conv_nchw: NCHW-input convolutions (group 1, few input channels), the same
// packing for both tiled lists; an alias picks from its own family's list as createEngine does (the
// bf16 list starts with the AMX tiles, which pack bf16 weights of their own layout).
AlignedBuffer pack_nchw_conv(const f32_conv::NchwConvVariant* variant, const std::vector<double>& shape,
                             const float* weights, int64_t length, bool bf16_alias = false) {
  const f32_conv::ConvShape s = conv_shape(shape);
  if (!f32_conv::nchw_conv_applies(s)) {
    fail("f32_conv_nchw packs convolutions with group 1 and few input or output channels.",
         "group 1, and at most " + std::to_string(f32_conv::kNchwConvMaxInputChannels) + " input channels or at most " +
             std::to_string(f32_conv::kNchwConvMaxOutputChannels) + " output channels with stride and dilation 1 along W",
         list_string(shape), "Pick an f32_conv tactic (NHWC input).");
  }
  const f32_conv::NchwConvVariant* list = bf16_alias ? f32_conv::bf16_nchw_conv_variants() : f32_conv::nchw_conv_variants();
  const size_t count = bf16_alias ? f32_conv::bf16_nchw_conv_variant_count() : f32_conv::nchw_conv_variant_count();
  for (size_t i = 0; i < count && variant == nullptr; ++i) {
    if (isa_usable(list[i].isa) && f32_conv::nchw_conv_variant_applies(list[i], s)) variant = &list[i];
  }
  if (!f32_conv::nchw_conv_variant_applies(*variant, s)) {
    fail(std::string(variant->name) + " does not take this convolution.", "a variant for its channel counts",
         list_string(shape), "Pick another f32_conv_nchw tactic.");
  }
  check_length(s.out_c * s.in_c * s.kernel_h * s.kernel_w, length, "[OC, IC, kh, kw]");
  AlignedBuffer out(f32_conv::nchw_conv_packed_size(*variant, s) * sizeof(float), true);
  f32_conv::nchw_conv_pack(*variant, s, weights, reinterpret_cast<float*>(out.data()));
  return out;
}

AlignedBuffer pack_deconv(const f32_conv::DeconvVariant* variant, const std::vector<double>& shape,
                          const float* weights, int64_t length) {
  const std::vector<int64_t> d =
      integers(shape, 15, "[inChannels, outChannels, kh, kw, strideH, strideW, dilationH, dilationW, padTop, "
                          "padLeft, padBottom, padRight, outputPaddingH, outputPaddingW, group]");
  f32_conv::DeconvShape s;
  s.in_c = d[0], s.out_c = d[1], s.kernel_h = d[2], s.kernel_w = d[3], s.stride_h = d[4], s.stride_w = d[5];
  s.dilation_h = d[6], s.dilation_w = d[7], s.pad_top = d[8], s.pad_left = d[9], s.pad_bottom = d[10];
  s.pad_right = d[11], s.output_padding_h = d[12], s.output_padding_w = d[13], s.groups = d[14];
  // Packing does not depend on the image size: any size with a non-empty output will do.
  s.in_h = s.pad_top + s.pad_bottom + 1, s.in_w = s.pad_left + s.pad_right + 1;
  if (!s.valid()) {
    fail("Invalid ConvTranspose geometry.", "positive sizes, strides, dilations and group dividing both channel counts",
         list_string(shape), "");
  }
  if (variant == nullptr) {
    for (size_t i = 0; i < f32_conv::deconv_variant_count() && variant == nullptr; ++i) {
      const f32_conv::DeconvVariant& v = f32_conv::deconv_variants()[i];
      if (isa_usable(v.isa) && v.applies(s)) variant = &v;
    }
  }
  check_length(s.in_c * (s.out_c / s.groups) * s.kernel_h * s.kernel_w, length, "[IC, OC/group, kh, kw]");
  AlignedBuffer out(variant->packed_size(s) * sizeof(float), true);
  variant->pack(s, weights, reinterpret_cast<float*>(out.data()));
  return out;
}

AlignedBuffer pack_gemm(const f32_gemm::GemmVariant* variant, const std::vector<double>& shape, const float* weights,
                        int64_t length) {
  const std::vector<int64_t> d = integers(shape, 3, "[K, N, transB]");
  const int64_t k = d[0], n = d[1], trans_b = d[2];
  if (k < 1 || n < 1 || trans_b > 1) fail("Invalid GEMM shape.", "K >= 1, N >= 1, transB 0 or 1", list_string(shape), "");
  if (variant == nullptr) {
    for (size_t i = 0; i < f32_gemm::variant_count() && variant == nullptr; ++i) {
      if (isa_usable(f32_gemm::variants()[i].isa)) variant = &f32_gemm::variants()[i];
    }
  }
  check_length(k * n, length, trans_b ? "[N, K]" : "[K, N]");
  AlignedBuffer out(f32_gemm::packed_b_size(*variant, k, n) * sizeof(float), true);
  f32_gemm::pack_b(*variant, k, n, weights, trans_b ? 1 : n, trans_b ? k : 1, reinterpret_cast<float*>(out.data()));
  return out;
}

// The block geometry of an inverted-residual shape (14 numbers); packing does not depend on the
// image size, so the image is the smallest with a non-empty output.
f32_mbconv::MbconvShape mbconv_shape(const std::vector<double>& shape, int64_t length) {
  const std::vector<int64_t> d =
      integers(shape, 14, "[hasExpand, inChannels, expandChannels, outChannels, kh, kw, strideH, strideW, dilationH, "
                          "dilationW, padTop, padLeft, padBottom, padRight]");
  f32_mbconv::MbconvShape s;
  s.has_expand = d[0] != 0, s.in_c = d[1], s.expand_c = d[2], s.out_c = d[3], s.kernel_h = d[4], s.kernel_w = d[5];
  s.stride_h = d[6], s.stride_w = d[7], s.dilation_h = d[8], s.dilation_w = d[9], s.pad_top = d[10];
  s.pad_left = d[11], s.pad_bottom = d[12], s.pad_right = d[13];
  s.in_h = s.dilation_h * (s.kernel_h - 1) + 1, s.in_w = s.dilation_w * (s.kernel_w - 1) + 1;
  if (d[0] < 0 || d[0] > 1 || !s.valid()) {
    fail("Invalid inverted-residual geometry.",
         "hasExpand 0 or 1, positive sizes, strides and dilations, expandChannels == inChannels without an expand conv",
         list_string(shape), "");
  }
  check_length(static_cast<int64_t>(f32_mbconv::weight_count(s)), length,
               "expand [E, C, 1, 1] (if any), depthwise [E, 1, kh, kw], project [OC, E, 1, 1], back to back");
  return s;
}

// f32_mbconv: the expand, depthwise and project weights back to back, packed for the variant's GEMM.
AlignedBuffer pack_mbconv(const f32_mbconv::MbconvVariant* variant, const std::vector<double>& shape,
                          const float* weights, int64_t length) {
  const f32_mbconv::MbconvShape s = mbconv_shape(shape, length);
  if (variant == nullptr) {
    for (size_t i = 0; i < f32_mbconv::variant_count() && variant == nullptr; ++i) {
      if (isa_usable(f32_mbconv::variants()[i].isa)) variant = &f32_mbconv::variants()[i];
    }
  }
  AlignedBuffer out(f32_mbconv::packed_parts(*variant, s).total() * sizeof(float), true);
  f32_mbconv::pack(*variant, s, weights, reinterpret_cast<float*>(out.data()));
  return out;
}

// bf16_mbconv: the same shape and weights; the 1x1 convs packed for the variant's bf16 GEMM.
AlignedBuffer pack_bf16_mbconv(const bf16_mbconv::MbconvVariant* variant, const std::vector<double>& shape,
                               const float* weights, int64_t length) {
  const f32_mbconv::MbconvShape s = mbconv_shape(shape, length);
  if (variant == nullptr) {
    for (size_t i = 0; i < bf16_mbconv::variant_count() && variant == nullptr; ++i) {
      if (isa_usable(bf16_mbconv::variants()[i].isa)) variant = &bf16_mbconv::variants()[i];
    }
  }
  AlignedBuffer out(bf16_mbconv::packed_parts(*variant, s).total(), true);
  bf16_mbconv::pack(*variant, s, weights, out.data());
  return out;
}

// Checks the quantization options against the format; returns the qu8 header quantization.
lowp_gemm::Quantization check_options(lowp_gemm::Format format, const PackOptions& o, int64_t channels) {
  const bool quantized = format == lowp_gemm::Format::kQu8;
  if (!quantized) {
    if (o.has_input_quantization || o.weight_scales != nullptr) {
      fail("Only int8 (qu8_*) tactics take quantization options.", "no inputScale / inputZeroPoint / weightScales",
           "quantization options", "Drop the options for bf16/f16/f32 tactics.");
    }
    return {};
  }
  if (!o.has_input_quantization) {
    fail("int8 (qu8_*) tactics need the input's quantization.", "{ inputScale, inputZeroPoint }", "none",
         "Pass the calibrated scale of the layer's input (and its zero point, 128 for symmetric int8).");
  }
  lowp_gemm::Quantization q{o.input_scale, static_cast<int32_t>(o.input_zero_point)};
  if (!lowp_gemm::valid_quantization(q) || o.input_zero_point != std::floor(o.input_zero_point)) {
    fail("Invalid input quantization.", "inputScale > 0 and finite, inputZeroPoint an integer in [0, 255]",
         "scale " + std::to_string(o.input_scale) + ", zero point " + std::to_string(o.input_zero_point),
         "An int8 zero point z is the uint8 zero point z + 128.");
  }
  if (o.weight_scales != nullptr) {
    if (o.weight_scale_count != 1 && o.weight_scale_count != channels) {
      fail("Wrong number of weight scales.", "1 or " + std::to_string(channels) + " (one per output channel)",
           std::to_string(o.weight_scale_count), "");
    }
    for (int64_t i = 0; i < o.weight_scale_count; ++i) {
      if (!(std::isfinite(o.weight_scales[i]) && o.weight_scales[i] > 0.0f)) {
        fail("Weight scales must be positive and finite.", "> 0", std::to_string(o.weight_scales[i]),
             "at weightScales[" + std::to_string(i) + "]");
      }
    }
  }
  return q;
}

AlignedBuffer pack_lowp_gemm(const lowp_gemm::LowpVariant& v, const std::vector<double>& shape, const float* weights,
                             int64_t length, const PackOptions& o) {
  const std::vector<int64_t> d = integers(shape, 3, "[K, N, transB]");
  const int64_t k = d[0], n = d[1], trans_b = d[2];
  if (k < 1 || n < 1 || trans_b > 1) fail("Invalid GEMM shape.", "K >= 1, N >= 1, transB 0 or 1", list_string(shape), "");
  const lowp_gemm::Quantization q = check_options(v.format, o, n);
  check_length(k * n, length, trans_b ? "[N, K]" : "[K, N]");
  const int64_t header = lowp_gemm::header_bytes(v.format);
  AlignedBuffer out(header + lowp_gemm::packed_b_bytes(v, k, n), true);
  if (header > 0) lowp_gemm::write_header(q, out.data());
  lowp_gemm::pack_b(v, k, n, weights, trans_b ? 1 : n, trans_b ? k : 1, o.weight_scales, o.weight_scale_count,
                    out.data() + header);
  return out;
}

AlignedBuffer pack_lowp_conv(const lowp_conv::ConvVariant& v, const std::vector<double>& shape, const float* weights,
                             int64_t length, const PackOptions& o) {
  const f32_conv::ConvShape s = conv_shape(shape);
  if (!lowp_conv::applies(v, s)) {
    fail(std::string("Conv variant ") + v.name + " does not apply to this convolution.",
         "more than one input channel per group (no depthwise), and 1x1 without pads for conv_1x1 variants",
         list_string(shape), "Depthwise convolutions run on f32_conv; for 1x1 variants pick an im2col variant.");
  }
  const lowp_gemm::Format format = lowp_conv::gemm_of(v).format;
  const lowp_gemm::Quantization q = check_options(format, o, s.out_c);
  check_length(s.out_c * (s.in_c / s.groups) * s.kernel_h * s.kernel_w, length, "[OC, IC/group, kh, kw]");
  const int64_t header = lowp_gemm::header_bytes(format);
  AlignedBuffer out(header + lowp_conv::packed_bytes(v, s), true);
  if (header > 0) lowp_gemm::write_header(q, out.data());
  lowp_conv::pack(v, s, weights, o.weight_scales, o.weight_scale_count, out.data() + header);
  return out;
}

// qu8_conv_nchw: the qu8 header (input grid), then OIHW weights quantized per output channel to
// int8 quads (lowp_conv::stem_pack).
AlignedBuffer pack_qu8_stem(const std::vector<double>& shape, const float* weights, int64_t length,
                            const PackOptions& o) {
  const f32_conv::ConvShape s = conv_shape(shape);
  if (!lowp_conv::stem_applies(s)) {
    fail("qu8_conv_nchw packs convolutions with group 1 and few input channels.",
         "group 1 and at most " + std::to_string(lowp_conv::kStemMaxInputChannels) + " input channels",
         list_string(shape), "Pick a qu8_conv tactic (NHWC input).");
  }
  const lowp_gemm::Quantization q = check_options(lowp_gemm::Format::kQu8, o, s.out_c);
  check_length(s.out_c * s.in_c * s.kernel_h * s.kernel_w, length, "[OC, IC, kh, kw]");
  for (int64_t i = 0; i < length; ++i) {
    if (!std::isfinite(weights[i])) {
      fail("qu8_conv_nchw quantizes finite weights.", "finite values",
           "weights[" + std::to_string(i) + "] " + std::to_string(weights[i]), "Check the model's weights (NaN or infinity).");
    }
  }
  AlignedBuffer out(lowp_gemm::kQuantHeaderBytes + lowp_conv::stem_packed_bytes(s), true);
  lowp_gemm::write_header(q, out.data());
  lowp_conv::stem_pack(s, weights, o.weight_scales, o.weight_scale_count, out.data() + lowp_gemm::kQuantHeaderBytes);
  return out;
}

// qu8_dwconv: fp32 weights [C, 1, kh, kw] quantized per channel to int8 (symmetric) and packed as
// lowp_dwconv::PackedWeights (the activation grids are in the params).
AlignedBuffer pack_qu8_dwconv(const std::vector<double>& shape, const float* weights, int64_t length) {
  const f32_conv::ConvShape s = conv_shape(shape);
  if (!lowp_dwconv::applies(s)) {
    fail("qu8_dwconv packs depthwise convolutions with one filter per channel.",
         "group == input channels == output channels", list_string(shape), "Pick a qu8_conv or f32_conv tactic.");
  }
  check_length(s.out_c * s.kernel_h * s.kernel_w, length, "[C, 1, kh, kw]");
  for (int64_t i = 0; i < length; ++i) {
    if (!std::isfinite(weights[i])) {
      fail("qu8_dwconv quantizes finite weights.", "finite values", "weights[" + std::to_string(i) + "] " +
           std::to_string(weights[i]), "Check the model's weights (NaN or infinity).");
    }
  }
  AlignedBuffer out(lowp_dwconv::packed_words(s) * 4, true);
  lowp_dwconv::pack(s, weights, out.data());
  return out;
}

// Resolves a lowp alias (bf16_gemm, qu8_conv, ...) as createEngine would under the current cap.
const lowp_gemm::LowpVariant* lowp_gemm_alias(const std::string& tactic) {
  for (size_t i = 0; i < lowp_gemm::variant_count(); ++i) {
    const lowp_gemm::LowpVariant& v = lowp_gemm::variants()[i];
    if (tactic == lowp_gemm::gemm_family(v.format) && isa_usable(v.isa)) return &v;
  }
  return nullptr;
}

}  // namespace

AlignedBuffer pack_weights(const std::string& tactic, const std::vector<double>& shape, const float* weights,
                           int64_t weights_length, const PackOptions& options) {
  if (const lowp_gemm::LowpVariant* v = lowp_gemm::find_variant(tactic.c_str())) {
    return pack_lowp_gemm(*v, shape, weights, weights_length, options);
  }
  if (const lowp_gemm::LowpVariant* v = lowp_gemm_alias(tactic)) return pack_lowp_gemm(*v, shape, weights, weights_length, options);
  if (const lowp_conv::ConvVariant* v = lowp_conv::find_conv_variant(tactic.c_str())) {
    return pack_lowp_conv(*v, shape, weights, weights_length, options);
  }
  if (tactic == "qu8_conv_nchw" || lowp_conv::find_stem_variant(tactic.c_str()) != nullptr) {
    return pack_qu8_stem(shape, weights, weights_length, options);
  }
  if (tactic == "bf16_conv" || tactic == "f16_conv" || tactic == "qu8_conv") {
    const f32_conv::ConvShape s = conv_shape(shape);
    for (size_t i = 0; i < lowp_conv::conv_variant_count(); ++i) {
      const lowp_conv::ConvVariant& v = lowp_conv::conv_variants()[i];
      if (std::string(v.name).rfind(tactic + "_", 0) == 0 && isa_usable(v.isa) && lowp_conv::applies(v, s)) {
        return pack_lowp_conv(v, shape, weights, weights_length, options);
      }
    }
  }
  if (options.has_input_quantization || options.weight_scales != nullptr) {
    fail("Only int8 (qu8_*) tactics take quantization options.", "no inputScale / inputZeroPoint / weightScales",
         "quantization options for " + tactic, "Drop the options for f32 tactics.");
  }
  if (tactic == "qu8_dwconv" || lowp_dwconv::find_dw_variant(tactic.c_str()) != nullptr) {
    return pack_qu8_dwconv(shape, weights, weights_length);
  }
  if (tactic == "f32_conv") return pack_conv(nullptr, shape, weights, weights_length);
  // bf16_dwconv reads f32_dwconv's packed weights (its activations are bf16, not its weights).
  if (tactic == "bf16_dwconv" || bf16_dwconv::find_dw_variant(tactic.c_str()) != nullptr) {
    return pack_conv(f32_conv::find_conv_variant("f32_dwconv__scalar"), shape, weights, weights_length);
  }
  if (tactic == "f32_gemm") return pack_gemm(nullptr, shape, weights, weights_length);
  if (tactic == "f32_deconv") return pack_deconv(nullptr, shape, weights, weights_length);
  if (tactic == "f32_mbconv") return pack_mbconv(nullptr, shape, weights, weights_length);
  if (const f32_mbconv::MbconvVariant* v = f32_mbconv::find_variant(tactic.c_str())) {
    return pack_mbconv(v, shape, weights, weights_length);
  }
  if (tactic == "bf16_mbconv") return pack_bf16_mbconv(nullptr, shape, weights, weights_length);
  if (const bf16_mbconv::MbconvVariant* v = bf16_mbconv::find_variant(tactic.c_str())) {
    return pack_bf16_mbconv(v, shape, weights, weights_length);
  }
  if (tactic == "f32_conv_nchw") return pack_nchw_conv(nullptr, shape, weights, weights_length);
  if (tactic == "bf16_conv_nchw") return pack_nchw_conv(nullptr, shape, weights, weights_length, /*bf16=*/true);
  if (const f32_conv::NchwConvVariant* v = f32_conv::find_nchw_conv_variant(tactic.c_str())) {
    return pack_nchw_conv(v, shape, weights, weights_length);
  }
  if (const f32_conv::DeconvVariant* v = f32_conv::find_deconv_variant(tactic.c_str())) {
    return pack_deconv(v, shape, weights, weights_length);
  }
  if (const f32_conv::ConvVariant* v = f32_conv::find_conv_variant(tactic.c_str())) {
    return pack_conv(v, shape, weights, weights_length);
  }
  if (const f32_gemm::GemmVariant* v = f32_gemm::find_variant(tactic.c_str())) {
    return pack_gemm(v, shape, weights, weights_length);
  }
  fail("Unknown tactic for packWeights.",
       "a GEMM, conv or deconv variant name (kernels() with family f32_conv, f32_conv_nchw, f32_deconv, f32_gemm, f32_mbconv, bf16_conv, bf16_conv_nchw, bf16_gemm, bf16_mbconv, "
       "f16_conv, f16_gemm, qu8_conv, qu8_conv_nchw, qu8_dwconv or qu8_gemm)",
       tactic, "Only GEMM and convolution tactics take packed weights.");
}

}  // namespace kiln

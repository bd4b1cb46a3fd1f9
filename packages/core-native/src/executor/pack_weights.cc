#include "executor/pack_weights.h"

#include <cmath>
#include <cstdio>

#include "executor/error.h"
#include "kernels/f32-conv/variants.h"
#include "kernels/f32-gemm/variants.h"

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

AlignedBuffer pack_conv(const f32_conv::ConvVariant* variant, const std::vector<double>& shape, const float* weights,
                        int64_t length) {
  const std::vector<int64_t> d =
      integers(shape, 13, "[outChannels, inChannels, kh, kw, strideH, strideW, dilationH, dilationW, padTop, "
                          "padLeft, padBottom, padRight, group]");
  f32_conv::ConvShape s;
  s.out_c = d[0], s.in_c = d[1], s.kernel_h = d[2], s.kernel_w = d[3], s.stride_h = d[4], s.stride_w = d[5];
  s.dilation_h = d[6], s.dilation_w = d[7], s.pad_top = d[8], s.pad_left = d[9], s.pad_bottom = d[10];
  s.pad_right = d[11], s.groups = d[12];
  // Packing does not depend on the image size: any size with a non-empty output will do.
  s.in_h = s.dilation_h * (s.kernel_h - 1) + 1, s.in_w = s.dilation_w * (s.kernel_w - 1) + 1;
  if (!s.valid()) {
    fail("Invalid convolution geometry.", "positive sizes, strides, dilations and group dividing both channel counts",
         list_string(shape), "");
  }
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

}  // namespace

AlignedBuffer pack_weights(const std::string& tactic, const std::vector<double>& shape, const float* weights,
                           int64_t weights_length) {
  if (tactic == "f32_conv") return pack_conv(nullptr, shape, weights, weights_length);
  if (tactic == "f32_gemm") return pack_gemm(nullptr, shape, weights, weights_length);
  if (tactic == "f32_deconv") return pack_deconv(nullptr, shape, weights, weights_length);
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
       "an f32-conv, f32-deconv or f32-gemm variant name (kernels() with family f32_conv, f32_deconv or f32_gemm)",
       tactic, "Only GEMM and convolution tactics take packed weights.");
}

}  // namespace kiln

// qu8_dwconv driver, variant list and scalar reference (the oracle of the vector rows).
#include "dwconv.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/f32-gemm/scratch.h"
#include "kernels/f32-gemm/ukernels.h"
#include "runtime/thread_pool.h"

namespace kiln::lowp_dwconv {
namespace {

const DwVariant kVariants[] = {
    {"qu8_dwconv__avx512", Isa::kAvx512, dequant_row__avx512, dw_row__avx512, f32_gemm::f32_epilogue_row__avx512},
    {"qu8_dwconv__scalar", Isa::kScalar, dequant_row__scalar, dw_row__scalar, f32_gemm::f32_epilogue_row__scalar},
};

// Output rows [oh0, oh1) of image n. The dequantized input rows live in a window of `span` rows
// (slot ih % span), each converted once when first needed.
void run_rows(const DwVariant& v, const ConvShape& s, const DwParams& p, int64_t n, int64_t oh0, int64_t oh1) {
  const int64_t span = (s.kernel_h - 1) * s.dilation_h + 1, row_size = s.in_w * s.in_c;
  const int64_t out_size = s.out_w() * s.in_c;
  const bool quantized_out = p.output_u8 != nullptr;
  float* window = f32_gemm::thread_scratch(static_cast<size_t>(span * row_size + (quantized_out ? out_size : 0)), 1);
  assert(window != nullptr);
  float* buffer = window + span * row_size;
  std::vector<int64_t> held(static_cast<size_t>(span), -1);
  std::vector<const float*> rows(static_cast<size_t>(s.kernel_h));
  const uint8_t* image = p.input + n * s.in_h * row_size;
  RowStore store{};
  store.grid = p.output_grid;
  const bool fused = fused_store(p.epilogue, &store);
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      if (ih < 0 || ih >= s.in_h) {
        rows[kh] = nullptr;
        continue;
      }
      float* slot = window + (ih % span) * row_size;
      if (held[ih % span] != ih) {
        v.dequant_row(image + ih * row_size, row_size, p.input_grid, slot);
        held[ih % span] = ih;
      }
      rows[kh] = slot;
    }
    const int64_t r = n * s.out_h() + oh;
    float* out = quantized_out ? buffer : p.output + r * out_size;
    if (fused) {
      store.out_u8 = quantized_out ? p.output_u8 + r * out_size : nullptr;
      v.row(s, p.weights, rows.data(), &store, out);
      continue;
    }
    v.row(s, p.weights, rows.data(), nullptr, out);
    if (!p.epilogue.empty()) {
      for (int64_t ow = 0; ow < s.out_w(); ++ow) v.epilogue_row(out + ow * s.in_c, s.in_c, p.epilogue.bias, nullptr, p.epilogue);
    }
    if (!quantized_out) continue;
    const lowp_gemm::Quantization& q = p.output_grid;
    uint8_t* y = p.output_u8 + r * out_size;
    if (v.isa == Isa::kScalar) {
      lowp_gemm::requantize_row_u8(out, out_size, q.scale, q.zero_point, 0, 255, y);
    } else {
      lowp_gemm::requantize_row_u8__avx512(out, out_size, q.scale, q.zero_point, 0, 255, y);
    }
  }
}

}  // namespace

bool fused_store(const f32_gemm::Epilogue& epilogue, RowStore* store) {
  const float infinity = std::numeric_limits<float>::infinity();
  if (epilogue.residual != nullptr) return false;
  store->bias = epilogue.bias;
  switch (epilogue.activation) {
    case f32_gemm::Activation::kNone: store->lo = -infinity, store->hi = infinity; return true;
    case f32_gemm::Activation::kRelu: store->lo = 0.0f, store->hi = infinity; return true;
    case f32_gemm::Activation::kClip: store->lo = epilogue.alpha, store->hi = epilogue.beta; return true;
    default: return false;
  }
}

const DwVariant* dw_variants() { return kVariants; }
size_t dw_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const DwVariant* find_dw_variant(const char* name) {
  for (const DwVariant& v : kVariants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  return nullptr;
}

bool applies(const ConvShape& s) { return s.valid() && s.groups == s.in_c && s.out_c == s.in_c; }

size_t packed_floats(const ConvShape& s) { return static_cast<size_t>(s.kernel_h * s.kernel_w * s.in_c); }

void pack(const ConvShape& s, const float* weights, float* packed) {
  const int64_t taps = s.kernel_h * s.kernel_w;
  for (int64_t c = 0; c < s.in_c; ++c) {
    for (int64_t t = 0; t < taps; ++t) packed[t * s.in_c + c] = weights[c * taps + t];
  }
}

void dequant_row__scalar(const uint8_t* x, int64_t count, lowp_gemm::Quantization grid, float* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - grid.zero_point) * grid.scale;
}

void dw_row__scalar(const ConvShape& s, const float* weights, const float* const* rows, const RowStore* store,
                    float* out) {
  const int64_t c_count = s.in_c;
  for (int64_t ow = 0; ow < s.out_w(); ++ow) {
    float* y = out + ow * c_count;
    for (int64_t c = 0; c < c_count; ++c) y[c] = 0.0f;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      if (rows[kh] == nullptr) continue;
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
        const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
        if (iw < 0 || iw >= s.in_w) continue;
        const float* x = rows[kh] + iw * c_count;
        const float* w = weights + (kh * s.kernel_w + kw) * c_count;
        for (int64_t c = 0; c < c_count; ++c) y[c] += x[c] * w[c];
      }
    }
    if (store == nullptr) continue;
    for (int64_t c = 0; c < c_count; ++c) {
      const float biased = y[c] + (store->bias != nullptr ? store->bias[c] : 0.0f);
      y[c] = std::min(store->hi, std::max(store->lo, biased));
    }
    if (store->out_u8 != nullptr) {
      lowp_gemm::requantize_row_u8(y, c_count, store->grid.scale, store->grid.zero_point, 0, 255,
                                   store->out_u8 + ow * c_count);
    }
  }
}

void run(const DwVariant& v, const ConvShape& s, const DwParams& p, ThreadPool* pool) {
  assert(applies(s) && p.input != nullptr && p.weights != nullptr && (p.output != nullptr || p.output_u8 != nullptr));
  // Chunks of output rows per task (each converts its input rows once): a few per thread.
  const int threads = pool != nullptr ? pool->size() : 1;
  const int64_t chunks_per_image = std::min<int64_t>(s.out_h(), std::max<int64_t>(1, (4 * threads + s.batch - 1) / s.batch));
  const int64_t chunk = (s.out_h() + chunks_per_image - 1) / chunks_per_image;
  const int64_t tasks = s.batch * chunks_per_image;
  auto run_task = [&](int64_t task) {
    const int64_t n = task / chunks_per_image, oh0 = task % chunks_per_image * chunk;
    if (oh0 < s.out_h()) run_rows(v, s, p, n, oh0, std::min(s.out_h(), oh0 + chunk));
  };
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run_task(task);
  } else {
    pool->parallel_for(tasks, run_task);
  }
}

}  // namespace kiln::lowp_dwconv

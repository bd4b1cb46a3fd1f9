// bf16_dwconv variants, the scalar reference row and the driver (output rows over threads).
#include "dwconv.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "kernels/f32-conv/dwconv.h"
#include "kernels/f32-gemm/ukernels.h"
#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"

namespace kiln::bf16_dwconv {
namespace {

const DwVariant kVariants[] = {
    {"bf16_dwconv_3x3__avx512bf16", Isa::kAvx512Bf16, true, bf16_dwconv_3x3__avx512bf16},
    {"bf16_dwconv__avx512bf16", Isa::kAvx512Bf16, false, bf16_dwconv__avx512bf16},
    {"bf16_dwconv_3x3__avx512", Isa::kAvx512, true, bf16_dwconv_3x3__avx512},
    {"bf16_dwconv__avx512", Isa::kAvx512, false, bf16_dwconv__avx512},
    {"bf16_dwconv__scalar", Isa::kScalar, false, bf16_dwconv__scalar},
};

float load(const void* data, bool bf16, int64_t i) {
  return bf16 ? lowp_gemm::bf16_to_float(static_cast<const uint16_t*>(data)[i]) : static_cast<const float*>(data)[i];
}

}  // namespace

const DwVariant* dw_variants() { return kVariants; }
size_t dw_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const DwVariant* find_dw_variant(const char* name) {
  for (const DwVariant& v : kVariants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  return nullptr;
}

bool applies(const DwVariant& v, const ConvShape& s) {
  return f32_conv::dwconv_applies(s) && (!v.three_by_three || (s.kernel_h == 3 && s.kernel_w == 3));
}

// The reference: one fused multiply-add per valid tap in (kh, kw) order from the bias, as the
// AVX-512 rows do lane by lane, then + residual, the activation and the store's rounding.
void bf16_dwconv__scalar(const RowArgs& r) {
  const ConvShape& s = *r.shape;
  const int64_t channels = s.in_c, cpad = f32_conv::dw_padded_channels(channels), ow_count = s.out_w();
  for (int64_t ow = 0; ow < ow_count; ++ow) {
    for (int64_t c = 0; c < channels; ++c) {
      float acc = r.bias != nullptr ? r.bias[c] : 0.0f;
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        const int64_t ih = r.oh * s.stride_h - s.pad_top + kh * s.dilation_h;
        if (ih < 0 || ih >= s.in_h) continue;
        for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
          const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
          if (iw < 0 || iw >= s.in_w) continue;
          const float x = load(r.input, r.input_bf16, (ih * s.in_w + iw) * channels + c);
          acc = std::fma(x, r.weights[(kh * s.kernel_w + kw) * cpad + c], acc);
        }
      }
      const int64_t at = ow * channels + c;
      if (r.residual != nullptr) acc += load(r.residual, r.residual_bf16, at);
      const float y = f32_gemm::activate_scalar(acc, *r.epilogue);
      if (r.output_bf16) {
        static_cast<uint16_t*>(r.output)[at] = lowp_gemm::float_to_bf16(y);
      } else {
        static_cast<float*>(r.output)[at] = y;
      }
    }
  }
}

void run(const DwVariant& v, const ConvShape& s, const DwParams& p, ThreadPool* pool) {
  assert(applies(v, s) && p.input.data != nullptr && p.weights != nullptr && p.output != nullptr);
  assert(p.input.data != p.output);
  const int64_t oh_count = s.out_h(), ow_count = s.out_w(), rows = s.batch * oh_count;
  const int64_t in_bytes = p.input.bf16 ? 2 : 4, out_bytes = p.output_bf16 ? 2 : 4;
  const int64_t residual_bytes = p.residual.bf16 ? 2 : 4;
  const int threads = pool != nullptr ? pool->size() : 1;
  const int64_t chunks = f32_conv::dw_row_chunks(s, threads);
  const int64_t per_chunk = (rows + chunks - 1) / chunks;
  auto run_chunk = [&](int64_t chunk) {
    const int64_t end = std::min(rows, (chunk + 1) * per_chunk);
    for (int64_t index = chunk * per_chunk; index < end; ++index) {
      const int64_t n = index / oh_count, offset = index * ow_count * s.out_c;
      RowArgs args;
      args.shape = &s;
      args.input = static_cast<const char*>(p.input.data) + n * s.in_h * s.in_w * s.in_c * in_bytes;
      args.input_bf16 = p.input.bf16;
      args.weights = p.weights;
      args.bias = p.epilogue.bias;
      args.residual = p.residual.data != nullptr ? static_cast<const char*>(p.residual.data) + offset * residual_bytes
                                                 : nullptr;
      args.residual_bf16 = p.residual.bf16;
      args.output = static_cast<char*>(p.output) + offset * out_bytes;
      args.output_bf16 = p.output_bf16;
      args.epilogue = &p.epilogue;
      args.oh = index % oh_count;
      v.row(args);
    }
  };
  if (chunks == 1) {
    run_chunk(0);
  } else {
    pool->parallel_for(chunks, run_chunk);
  }
}

}  // namespace kiln::bf16_dwconv

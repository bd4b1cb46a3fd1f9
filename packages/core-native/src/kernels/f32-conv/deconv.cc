// GEMM-based ConvTranspose over NHWC: col[rows, (kh, kw, co)] = X_g[rows, ci] · W_g, then a
// col2im *gather* per output pixel (race-free, so output rows split over threads), then the
// epilogue. Output-pixel taps: ih = (oh + pad_top - kh * dilation_h) / stride_h when exact.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "conv-gemm.h"
#include "kernels/f32-gemm/scratch.h"
#include "runtime/thread_pool.h"

namespace kiln::f32_conv {
namespace {

using f32_gemm::GemmVariant;

int64_t group_packed_floats(const GemmVariant& gemm, int64_t k, int64_t n) {
  return (static_cast<int64_t>(f32_gemm::packed_b_size(gemm, k, n)) + 15) / 16 * 16;
}

}  // namespace

size_t deconv_gemm_packed_size(const GemmVariant& gemm, const DeconvShape& s) {
  assert(s.valid());
  const int64_t taps = s.kernel_h * s.kernel_w;
  return static_cast<size_t>(
      s.groups * group_packed_floats(gemm, s.in_c / s.groups, taps * (s.out_c / s.groups)));
}

void deconv_gemm_pack(const GemmVariant& gemm, const DeconvShape& s, const float* weights,
                      float* packed) {
  assert(s.valid() && weights != nullptr && packed != nullptr);
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t taps = s.kernel_h * s.kernel_w, n = taps * cout_g;
  const int64_t group_floats = group_packed_floats(gemm, cin_g, n);
  std::vector<float> b(static_cast<size_t>(cin_g * n));
  for (int64_t g = 0; g < s.groups; ++g) {
    // ONNX [in_c, out_c/g, kh, kw] -> B[ci][(tap, co)]
    for (int64_t ci = 0; ci < cin_g; ++ci) {
      const float* w = weights + (g * cin_g + ci) * cout_g * taps;
      for (int64_t co = 0; co < cout_g; ++co) {
        for (int64_t tap = 0; tap < taps; ++tap) b[ci * n + tap * cout_g + co] = w[co * taps + tap];
      }
    }
    f32_gemm::pack_b(gemm, cin_g, n, b.data(), n, 1, packed + g * group_floats);
  }
}

void deconv_gemm_run(const GemmVariant& gemm, const DeconvShape& s, const ConvParams& p,
                     ThreadPool* pool) {
  assert(s.valid() && p.input != nullptr && p.packed_weights != nullptr && p.output != nullptr);
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t taps = s.kernel_h * s.kernel_w, n_g = taps * cout_g, ldcol = s.groups * n_g;
  const int64_t rows = s.batch * s.in_h * s.in_w;
  const int64_t group_floats = group_packed_floats(gemm, cin_g, n_g);
  float* col = f32_gemm::thread_scratch(static_cast<size_t>(rows * ldcol), 2);
  assert(col != nullptr);
  for (int64_t g = 0; g < s.groups; ++g) {
    f32_gemm::GemmParams gp;
    gp.m = rows, gp.n = n_g, gp.k = cin_g;
    gp.a = p.input + g * cin_g;
    gp.lda = s.in_c;
    gp.packed_b = p.packed_weights + g * group_floats;
    gp.c = col + g * n_g;
    gp.ldc = ldcol;
    f32_gemm::gemm(gemm, gp, pool);
  }
  const int64_t oh_count = s.out_h(), ow_count = s.out_w();
  const Epilogue& ep = p.epilogue;
  const bool residual_in_output = ep.residual == p.output;
  const float* residual = residual_in_output ? nullptr : ep.residual;
  const bool has_epilogue = ep.bias != nullptr || residual != nullptr ||
                            ep.activation != f32_gemm::Activation::kNone;
  auto gather_row = [&](int64_t task) {  // one output row (n, oh)
    const int64_t n = task / oh_count, oh = task % oh_count;
    for (int64_t ow = 0; ow < ow_count; ++ow) {
      float* out = p.output + ((n * oh_count + oh) * ow_count + ow) * s.out_c;
      if (!residual_in_output) std::memset(out, 0, sizeof(float) * s.out_c);
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        const int64_t th = oh + s.pad_top - kh * s.dilation_h;
        if (th < 0 || th % s.stride_h != 0 || th / s.stride_h >= s.in_h) continue;
        for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
          const int64_t tw = ow + s.pad_left - kw * s.dilation_w;
          if (tw < 0 || tw % s.stride_w != 0 || tw / s.stride_w >= s.in_w) continue;
          const int64_t row = (n * s.in_h + th / s.stride_h) * s.in_w + tw / s.stride_w;
          const float* src = col + row * ldcol + (kh * s.kernel_w + kw) * cout_g;
          for (int64_t g = 0; g < s.groups; ++g) {
            float* dst = out + g * cout_g;
            const float* gsrc = src + g * n_g;
            for (int64_t co = 0; co < cout_g; ++co) dst[co] += gsrc[co];
          }
        }
      }
      if (has_epilogue) {
        const float* res = residual != nullptr ? residual + (out - p.output) : nullptr;
        gemm.epilogue_row(out, s.out_c, ep.bias, res, ep);
      }
    }
  };
  const int64_t tasks = s.batch * oh_count;
  if (pool == nullptr || pool->size() == 1) {
    for (int64_t task = 0; task < tasks; ++task) gather_row(task);
  } else {
    pool->parallel_for(tasks, gather_row);
  }
}

}  // namespace kiln::f32_conv

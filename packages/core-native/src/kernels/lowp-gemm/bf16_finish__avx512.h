// The finish of a bf16 GEMM tile with bf16 activations (bf16_io.h), shared by the AMX and the
// AVX512-BF16 kernels: each finished fp32 row of a tile takes the fp32 epilogue (bias, residual,
// activation: f32-gemm's epilogue_row, inlined) and is rounded to bf16 once (or stored as fp32).
// Included by files built with AVX512-BF16 (bf16_store_32_cvt).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "bf16_avx512.h"
#include "bf16_io.h"
#include "kernels/f32-gemm/vmath-avx512.h"
#include "lowp.h"

namespace kiln::lowp_gemm {
namespace {

// The activation as a function object, chosen once per tile: ReLU and Clip inlined (the same
// instructions as f32_gemm::avx512::activate), the others through it.
template <class Fn>
void with_activation(const Epilogue& e, Fn&& fn) {
  switch (e.activation) {
    case Activation::kNone:
      return fn([](__m512 v) { return v; });
    case Activation::kRelu:
      return fn([](__m512 v) { return _mm512_max_ps(v, _mm512_setzero_ps()); });
    case Activation::kClip: {
      const __m512 lo = _mm512_set1_ps(e.alpha), hi = _mm512_set1_ps(e.beta);
      return fn([lo, hi](__m512 v) { return _mm512_min_ps(_mm512_max_ps(v, lo), hi); });
    }
    default:
      return fn([&e](__m512 v) { return f32_gemm::avx512::activate(v, e); });
  }
}

// The fp32 epilogue (bias, residual, activation: f32-gemm's epilogue_row, inlined) on each
// finished row of a tile in registers, then one rounding to bf16 (or an fp32 store). Everything
// that does not change per row is decided before the row loop.
template <class Activate>
void finish_rows(const LowpParams& p, const Bf16Io& io, const float* sums, int64_t i0, int64_t rows, int64_t jc,
                 int64_t nb, const Activate& activate) {
  const Epilogue& ep = p.epilogue;
  const __mmask16 lo = lanes_16(nb), hi = lanes_16(nb - 16);
  const bool bias = ep.bias != nullptr;
  const __m512 bias_lo = bias ? _mm512_maskz_loadu_ps(lo, ep.bias + jc) : _mm512_setzero_ps();
  const __m512 bias_hi = bias ? _mm512_maskz_loadu_ps(hi, ep.bias + jc + 16) : _mm512_setzero_ps();
  const int64_t residual_stride = ep.residual_stride, ldc = p.ldc;
  const uint16_t* residual_bf16 = io.residual != nullptr ? io.residual + i0 * residual_stride + jc : nullptr;
  const float* residual_f32 = io.residual == nullptr && ep.residual != nullptr ? ep.residual + i0 * residual_stride + jc : nullptr;
  uint16_t* out_bf16 = io.c != nullptr ? io.c + i0 * ldc + jc : nullptr;
  float* out_f32 = io.c == nullptr ? p.c + i0 * ldc + jc : nullptr;
  for (int64_t i = 0; i < rows; ++i) {
    __m512 v0 = _mm512_load_ps(sums + i * 32), v1 = _mm512_load_ps(sums + i * 32 + 16);
    if (bias) v0 = _mm512_add_ps(v0, bias_lo), v1 = _mm512_add_ps(v1, bias_hi);
    if (residual_bf16 != nullptr) {
      const uint16_t* source = residual_bf16 + i * residual_stride;
      v0 = _mm512_add_ps(v0, bf16_load_16(lo, source));
      v1 = _mm512_add_ps(v1, bf16_load_16(hi, source + 16));
    } else if (residual_f32 != nullptr) {
      const float* source = residual_f32 + i * residual_stride;
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(lo, source));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(hi, source + 16));
    }
    v0 = activate(v0), v1 = activate(v1);
    if (out_bf16 != nullptr) {
      bf16_store_32_cvt(lo, hi, out_bf16 + i * ldc, v0, v1);
    } else {
      _mm512_mask_storeu_ps(out_f32 + i * ldc, lo, v0);
      _mm512_mask_storeu_ps(out_f32 + i * ldc + 16, hi, v1);
    }
  }
}

inline void finish_tile(const LowpParams& p, const Bf16Io& io, const float* sums, int64_t i0, int64_t rows, int64_t jc,
                 int64_t nb) {
  with_activation(p.epilogue, [&](const auto& activate) { finish_rows(p, io, sums, i0, rows, jc, nb, activate); });
}

}  // namespace
}  // namespace kiln::lowp_gemm

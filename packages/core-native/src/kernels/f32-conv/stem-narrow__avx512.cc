// AVX-512 NCHW-input convolution rows for few output channels (an image-to-image network's last
// convolution: 3 channels out of a 9x9 kernel at full resolution, a depth or mask head's 1):
// vectorized over 32 output pixels of the row instead of over output channels, which would leave
// 13 of 16 lanes idle for 3 channels. Stride 1 along W only (the pixels' taps are consecutive
// floats of an input row); all 1-4 channels' accumulators in registers, weights broadcast.
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstdint>

#include "kernels/f32-gemm/vmath-avx512.h"
#include "stem.h"

namespace kiln::f32_conv {
namespace {

inline __mmask16 lanes(int64_t count) {
  return count >= 16 ? __mmask16(0xFFFF) : count <= 0 ? __mmask16(0) : __mmask16((1u << count) - 1);
}

// Pixels [ow0, ow0 + 32) (fewer at the row's end) x all OC channels; weights [k][OC].
template <int OC>
void pixels(const NchwRowArgs& r, int64_t ow0) {
  const ConvShape& s = *r.shape;
  const int64_t k_count = s.in_c * s.kernel_h * s.kernel_w, cols = std::min<int64_t>(32, r.ow_end - ow0);
  const __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
  const int64_t x0 = ow0 - r.ow_begin;
  __m512 acc[OC][2];
#pragma GCC unroll 4
  for (int c = 0; c < OC; ++c) acc[c][0] = acc[c][1] = _mm512_set1_ps(r.bias != nullptr ? r.bias[c] : 0.0f);
  for (int64_t k = 0; k < k_count; ++k) {
    const float* xk = r.taps[k] + x0;
    const __m512 a0 = _mm512_maskz_loadu_ps(m0, xk), a1 = _mm512_maskz_loadu_ps(m1, xk + 16);
    const float* wk = r.weights + k * OC;
#pragma GCC unroll 4
    for (int c = 0; c < OC; ++c) {
      const __m512 w = _mm512_set1_ps(wk[c]);
      acc[c][0] = _mm512_fmadd_ps(w, a0, acc[c][0]);
      acc[c][1] = _mm512_fmadd_ps(w, a1, acc[c][1]);
    }
  }
  // Per channel in lanes, then interleaved into the NHWC row: residual (NHWC) added first, as the
  // epilogue's order has it, then the activation on whole vectors.
  alignas(64) float staged[OC][32];
#pragma GCC unroll 4
  for (int c = 0; c < OC; ++c) {
    _mm512_store_ps(staged[c], acc[c][0]);
    _mm512_store_ps(staged[c] + 16, acc[c][1]);
  }
  if (r.residual != nullptr) {
    for (int64_t j = 0; j < cols; ++j) {
      for (int c = 0; c < OC; ++c) staged[c][j] += r.residual[(ow0 + j) * s.out_c + c];
    }
  }
  const Epilogue& e = *r.epilogue;
  if (e.activation != f32_gemm::Activation::kNone) {
    for (int c = 0; c < OC; ++c) {
      for (int v = 0; v < 2; ++v) {
        _mm512_store_ps(staged[c] + 16 * v, f32_gemm::avx512::activate(_mm512_load_ps(staged[c] + 16 * v), e));
      }
    }
  }
  float* out = static_cast<float*>(r.output) + ow0 * r.output_stride;
  for (int64_t j = 0; j < cols; ++j) {
    for (int c = 0; c < OC; ++c) out[j * r.output_stride + c] = staged[c][j];
  }
}

template <int OC>
void narrow_row(const NchwRowArgs& r) {
  for (int64_t ow = r.ow_begin; ow < r.ow_end; ow += 32) pixels<OC>(r, ow);
}

}  // namespace

void f32_conv_nchw_32x4__avx512(const NchwRowArgs& args) {
  assert(args.shape->groups == 1 && args.shape->stride_w == 1 && args.shape->out_c <= 4);
  switch (args.shape->out_c) {
    case 1: return narrow_row<1>(args);
    case 2: return narrow_row<2>(args);
    case 3: return narrow_row<3>(args);
    default: return narrow_row<4>(args);
  }
}

}  // namespace kiln::f32_conv

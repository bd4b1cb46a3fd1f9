// Scalar NCHW-input convolution rows: the tiled driver's portable path (4 pixels x 8 channels of
// accumulators), for CPUs without AVX2 and as a check of the packing and the padded rows; fp32
// or bf16 (float_to_bf16) stores.
#include <algorithm>
#include <cassert>
#include <cstdint>

#include "kernels/f32-gemm/ukernels.h"
#include "kernels/lowp-gemm/lowp.h"
#include "stem.h"

namespace kiln::f32_conv {
namespace {

inline void store(float* out, float value) { *out = value; }
inline void store(uint16_t* out, float value) { *out = lowp_gemm::float_to_bf16(value); }

template <class Out>
void row(const NchwRowArgs& r) {
  constexpr int kMr = 4, kNr = 8;
  const ConvShape& s = *r.shape;
  assert(s.groups == 1 && r.output != nullptr && r.taps != nullptr);
  const int64_t k_count = s.in_c * s.kernel_h * s.kernel_w, ow_end = r.ow_end;
  for (int64_t c0 = 0; c0 < s.out_c; c0 += kNr) {
    const int64_t channels = std::min<int64_t>(kNr, s.out_c - c0);
    const float* w = r.weights + c0 * k_count;
    for (int64_t ow0 = r.ow_begin; ow0 < ow_end; ow0 += kMr) {
      const int64_t pixels = std::min<int64_t>(kMr, ow_end - ow0);
      float acc[kMr][kNr];
      for (int i = 0; i < kMr; ++i) {
        for (int c = 0; c < kNr; ++c) acc[i][c] = r.bias != nullptr && c < channels ? r.bias[c0 + c] : 0.0f;
      }
      for (int64_t k = 0; k < k_count; ++k) {
        const float* xk = r.taps[k] + (ow0 - r.ow_begin) * s.stride_w;
        const float* wk = w + k * channels;
        for (int64_t i = 0; i < pixels; ++i) {
          const float x = xk[i * s.stride_w];
          for (int64_t c = 0; c < channels; ++c) acc[i][c] += x * wk[c];
        }
      }
      for (int64_t i = 0; i < pixels; ++i) {
        const int64_t at = (ow0 + i) * s.out_c + c0;
        for (int64_t c = 0; c < channels; ++c) {
          const float v = acc[i][c] + (r.residual != nullptr ? r.residual[at + c] : 0.0f);
          store(static_cast<Out*>(r.output) + (ow0 + i) * r.output_stride + c0 + c, f32_gemm::activate_scalar(v, *r.epilogue));
        }
      }
    }
  }
}

}  // namespace

void f32_conv_nchw_4x8__scalar(const NchwRowArgs& args) { row<float>(args); }
void bf16_conv_nchw_4x8__scalar(const NchwRowArgs& args) { row<uint16_t>(args); }

}  // namespace kiln::f32_conv

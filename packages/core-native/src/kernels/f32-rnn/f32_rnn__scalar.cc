// Scalar reference for the f32-rnn cells: plain libm.
#include <algorithm>
#include <cmath>

#include "kernels/f32-rnn/variants.h"

namespace kiln {
namespace {

inline float clamp(float v, float clip) { return std::min(std::max(v, -clip), clip); }
inline float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

}  // namespace

void f32_lstm_cell__scalar(size_t n, const float* g, const float* p, float clip, float* c, float* h) {
  for (size_t j = 0; j < n; ++j) {
    const float c_prev = c[j];
    const float i = sigmoid(clamp(g[j] + (p ? p[j] * c_prev : 0.0f), clip));
    const float f = sigmoid(clamp(g[2 * n + j] + (p ? p[2 * n + j] * c_prev : 0.0f), clip));
    const float c_next = f * c_prev + i * std::tanh(clamp(g[3 * n + j], clip));
    const float o = sigmoid(clamp(g[n + j] + (p ? p[n + j] * c_next : 0.0f), clip));
    c[j] = c_next;
    h[j] = o * std::tanh(c_next);
  }
}

void f32_gru_gates__scalar(size_t n, const float* x_zr, const float* rec_zr, const float* mul, float clip, float* z,
                           float* rh) {
  for (size_t j = 0; j < n; ++j) {
    z[j] = sigmoid(clamp(x_zr[j] + rec_zr[j], clip));
    rh[j] = sigmoid(clamp(x_zr[n + j] + rec_zr[n + j], clip)) * mul[j];
  }
}

void f32_gru_output__scalar(size_t n, const float* z, const float* x_h, const float* a, const float* h_prev, float clip,
                            float* h) {
  for (size_t j = 0; j < n; ++j) {
    const float candidate = std::tanh(clamp(x_h[j] + a[j], clip));
    h[j] = (1.0f - z[j]) * candidate + z[j] * h_prev[j];
  }
}

void f32_rnn_gemv__scalar(size_t k, size_t n, const float* x, const float* m, size_t ldm, const float* add, float* y) {
  for (size_t j = 0; j < n; ++j) {
    float sum = add != nullptr ? add[j] : 0.0f;
    for (size_t i = 0; i < k; ++i) sum += x[i] * m[i * ldm + j];
    y[j] = sum;
  }
}

}  // namespace kiln

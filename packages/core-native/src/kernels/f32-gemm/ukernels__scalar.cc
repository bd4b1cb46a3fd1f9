// Scalar reference f32 GEMM microkernel and epilogue: plain loops and std:: math. The oracle the
// vector variants are tested against; always applicable.
#include <algorithm>
#include <cassert>
#include <cmath>

#include "ukernels.h"

namespace kiln::f32_gemm {

float activate_scalar(float x, const Epilogue& e) {
  switch (e.activation) {
    case Activation::kNone: return x;
    case Activation::kRelu: return x > 0.0f ? x : 0.0f;
    case Activation::kClip: return std::min(std::max(x, e.alpha), e.beta);
    case Activation::kLeakyRelu: return x < 0.0f ? e.alpha * x : x;
    case Activation::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case Activation::kTanh: return std::tanh(x);
    case Activation::kSilu: return x / (1.0f + std::exp(-x));
    case Activation::kHardSwish: return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case Activation::kGeluErf: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case Activation::kGeluTanh: {
      const float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.0f + std::tanh(u));
    }
  }
  return x;
}

void f32_gemm_4x4__scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                          int64_t mr, int64_t nr, bool accumulate) {
  constexpr int kMr = 4, kNr = 4;
  assert(kc >= 1 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= kNr);
  float acc[kMr][kNr] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kMr; ++i) {
      for (int j = 0; j < kNr; ++j) acc[i][j] += a[k * kMr + i] * b[k * kNr + j];
    }
  }
  for (int64_t i = 0; i < mr; ++i) {
    for (int64_t j = 0; j < nr; ++j) {
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
    }
  }
}

void f32_epilogue_row__scalar(float* c, int64_t n, const float* bias, const float* residual,
                              const Epilogue& epilogue) {
  assert(c != nullptr && n >= 0);
  for (int64_t j = 0; j < n; ++j) {
    float v = c[j];
    if (epilogue.scale != 1.0f) v *= epilogue.scale;
    if (bias != nullptr) v += bias[j];
    if (residual != nullptr) v += residual[j];
    c[j] = activate_scalar(v, epilogue);
  }
}

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::kNone: return "none";
    case Activation::kRelu: return "relu";
    case Activation::kClip: return "clip";
    case Activation::kLeakyRelu: return "leaky_relu";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kSilu: return "silu";
    case Activation::kHardSwish: return "hard_swish";
    case Activation::kGeluErf: return "gelu_erf";
    case Activation::kGeluTanh: return "gelu_tanh";
  }
  return "unknown";
}

}  // namespace kiln::f32_gemm

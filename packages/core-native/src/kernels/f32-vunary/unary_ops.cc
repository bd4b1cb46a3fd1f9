#include "kernels/f32-vunary/unary_ops.h"

#include <cmath>
#include <limits>

namespace kiln {

UnaryStep unary_step_with_defaults(UnaryOp op, double alpha, double beta) {
  const bool has_alpha = !std::isnan(alpha), has_beta = !std::isnan(beta);
  float a = 0.0f, b = 0.0f;
  switch (op) {
    case UnaryOp::kClip:
      a = has_alpha ? static_cast<float>(alpha) : -std::numeric_limits<float>::infinity();
      b = has_beta ? static_cast<float>(beta) : std::numeric_limits<float>::infinity();
      break;
    case UnaryOp::kLeakyRelu: a = has_alpha ? static_cast<float>(alpha) : 0.01f; break;
    case UnaryOp::kHardSigmoid:
      a = has_alpha ? static_cast<float>(alpha) : 0.2f;
      b = has_beta ? static_cast<float>(beta) : 0.5f;
      break;
    case UnaryOp::kHardSwish:
      a = 1.0f / 6.0f;
      b = 0.5f;
      break;
    case UnaryOp::kElu:
    case UnaryOp::kThresholdedRelu: a = has_alpha ? static_cast<float>(alpha) : 1.0f; break;
    case UnaryOp::kSelu:
      a = has_alpha ? static_cast<float>(alpha) : 1.67326319217681884765625f;
      b = has_beta ? static_cast<float>(beta) : 1.05070102214813232421875f;
      break;
    default: break;
  }
  return UnaryStep{op, a, b};
}

}  // namespace kiln

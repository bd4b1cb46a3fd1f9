// Elementwise unary operations, usable alone (f32_vunary layer) or as a fused epilogue after any
// f32 kernel that supports one (vbinary today; GEMM/conv later). Parameters follow ONNX:
//   Clip: alpha = min, beta = max        LeakyRelu: alpha (default 0.01)
//   HardSigmoid: max(0, min(1, alpha*x + beta)) (defaults 0.2, 0.5)
//   HardSwish: x * HardSigmoid(x) with alpha = 1/6, beta = 0.5
//   Gelu: 0.5x(1 + erf(x/sqrt 2));   GeluTanh: 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))
//   Round: half to even.   Sign: -1, 0 or 1 (NaN stays NaN).   Softplus: log(1 + exp(x))
//   Elu: x < 0 ? alpha(exp(x) - 1) : x (default 1)   Selu: beta * (x > 0 ? x : alpha(exp(x) - 1))
//   (ONNX alpha 1.6732632, gamma = beta 1.0507010)   Mish: x tanh(softplus(x))
//   ThresholdedRelu: x > alpha ? x : 0 (default 1)   Softsign: x / (1 + |x|)
#pragma once

#include <string>

namespace kiln {

#define KILN_UNARY_OPS(X)                                                                        \
  X(kRelu, "Relu") X(kClip, "Clip") X(kLeakyRelu, "LeakyRelu") X(kSigmoid, "Sigmoid")            \
  X(kTanh, "Tanh") X(kSilu, "SiLU") X(kHardSwish, "HardSwish") X(kHardSigmoid, "HardSigmoid")   \
  X(kGelu, "Gelu") X(kGeluTanh, "GeluTanh") X(kExp, "Exp") X(kLog, "Log") X(kSqrt, "Sqrt")       \
  X(kErf, "Erf") X(kNeg, "Neg") X(kAbs, "Abs") X(kReciprocal, "Reciprocal")                       \
  X(kFloor, "Floor") X(kCeil, "Ceil") X(kRound, "Round") X(kSign, "Sign") X(kSin, "Sin")           \
  X(kCos, "Cos") X(kSoftplus, "Softplus") X(kSoftsign, "Softsign") X(kElu, "Elu") X(kSelu, "Selu")  \
  X(kMish, "Mish") X(kThresholdedRelu, "ThresholdedRelu")

enum class UnaryOp : int {
#define KILN_X(id, name) id,
  KILN_UNARY_OPS(KILN_X)
#undef KILN_X
};

struct UnaryStep {
  UnaryOp op;
  float alpha;
  float beta;
};

inline const char* unary_op_name(UnaryOp op) {
  switch (op) {
#define KILN_X(id, name) \
  case UnaryOp::id:      \
    return name;
    KILN_UNARY_OPS(KILN_X)
#undef KILN_X
  }
  return "?";
}

inline bool parse_unary_op(const std::string& text, UnaryOp* out) {
#define KILN_X(id, name)  \
  if (text == name) {     \
    *out = UnaryOp::id;   \
    return true;          \
  }
  KILN_UNARY_OPS(KILN_X)
#undef KILN_X
  return false;
}

// Fills ONNX defaults for parameters the program left out (NaN means "not given").
UnaryStep unary_step_with_defaults(UnaryOp op, double alpha, double beta);

}  // namespace kiln

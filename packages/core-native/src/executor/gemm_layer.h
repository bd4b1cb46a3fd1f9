// The layer contract of every GEMM family (f32_gemm, bf16_gemm, f16_gemm, qu8_gemm): inputs
// [a, b packed, bias? [N], residual? like y], outputs [y], params [K, N, hasBias, hasResidual],
// Y[..., N] from A[..., K]. One check of the bindings for all of them; each family then checks its
// own packed weight size.
#pragma once

#include <string>
#include <vector>

#include "executor/kernel_util.h"

namespace kiln {

struct GemmLayer {
  int64_t k, n;
  bool has_bias, has_residual;
  size_t inputs;  // 2 + has_bias + has_residual
};

inline GemmLayer check_gemm_layer(const OpBuildArgs& args) {
  require_params(args, 4, "K, N, hasBias, hasResidual");
  const int64_t k = param_int(args, 0), n = param_int(args, 1), has_bias = param_int(args, 2),
                has_residual = param_int(args, 3);
  require(k >= 1 && n >= 1, args, "K and N must be positive.", ">= 1", std::to_string(k) + ", " + std::to_string(n));
  require(has_bias == 0 || has_bias == 1, args, "hasBias must be 0 or 1.", "0 or 1", std::to_string(has_bias));
  require(has_residual == 0 || has_residual == 1, args, "hasResidual must be 0 or 1.", "0 or 1",
          std::to_string(has_residual));
  const size_t inputs = static_cast<size_t>(2 + has_bias + has_residual);
  require_arity(args, inputs, inputs, 1);
  for (size_t i = 0; i < inputs; ++i) require_dtype(args, args.in(i), DType::kFloat32, "GEMM inputs");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  const TensorDesc &a = args.in(0), &y = args.out(0);
  require(!a.shape.empty() && a.shape.back() == k, args, "A's last dim must be K.", "[..., " + std::to_string(k) + "]",
          shape_string(a.shape));
  std::vector<int64_t> expected = a.shape;
  expected.back() = n;
  require(y.shape == expected, args, "Output shape must be A's with the last dim N.", shape_string(expected),
          shape_string(y.shape));
  require(a.elements >= 1, args, "A must not be empty.", ">= 1 element", shape_string(a.shape));
  if (has_bias) {
    require(args.in(2).elements == n, args, "Bias must have N values.", std::to_string(n),
            std::to_string(args.in(2).elements));
  }
  if (has_residual) {
    require(args.in(inputs - 1).shape == y.shape, args, "Residual must have the output's shape.",
            shape_string(y.shape), shape_string(args.in(inputs - 1).shape));
  }
  return {k, n, has_bias == 1, has_residual == 1, inputs};
}

}  // namespace kiln

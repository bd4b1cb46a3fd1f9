// The layer contract of every GEMM family (f32_gemm, bf16_gemm, f16_gemm, qu8_gemm): inputs
// [a, b packed, bias? [N], residual? like y], outputs [y], params [K, N, hasBias, hasResidual],
// Y[..., N] from A[..., K]. One check of the bindings for all of them; each family then checks its
// own packed weight size.
//
// Horizontal fusion (f32_gemm only, `allow_split`): params [K, N, hasBias, 0, n1, ..., nk] with
// k >= 2 outputs; output i is Y[..., n_i], the next n_i columns of the fused product (weights of
// each branch packed separately, back to back; bias [N] concatenated; no residual).
#pragma once

#include <string>
#include <vector>

#include "executor/kernel_util.h"

namespace kiln {

struct GemmLayer {
  int64_t k, n;
  bool has_bias, has_residual;
  size_t inputs;                // 2 + has_bias + has_residual
  std::vector<int64_t> splits;  // columns per output (one entry: n)
};

inline GemmLayer check_gemm_layer(const OpBuildArgs& args, bool allow_split = false) {
  const size_t outputs = args.layer.outputs.size();
  const bool split = allow_split && outputs > 1;
  require_params(args, split ? 4 + outputs : 4, split ? "K, N, hasBias, 0, then N per output" : "K, N, hasBias, hasResidual");
  const int64_t k = param_int(args, 0), n = param_int(args, 1), has_bias = param_int(args, 2),
                has_residual = param_int(args, 3);
  require(k >= 1 && n >= 1, args, "K and N must be positive.", ">= 1", std::to_string(k) + ", " + std::to_string(n));
  require(has_bias == 0 || has_bias == 1, args, "hasBias must be 0 or 1.", "0 or 1", std::to_string(has_bias));
  require(has_residual == 0 || has_residual == 1, args, "hasResidual must be 0 or 1.", "0 or 1",
          std::to_string(has_residual));
  require(!split || has_residual == 0, args, "A split GEMM takes no residual.", "hasResidual 0", "1");
  const size_t inputs = static_cast<size_t>(2 + has_bias + has_residual);
  require_arity(args, inputs, inputs, split ? outputs : 1);
  std::vector<int64_t> splits{n};
  if (split) {
    splits.clear();
    int64_t total = 0;
    for (size_t i = 0; i < outputs; ++i) {
      const int64_t columns = param_int(args, 4 + i);
      require(columns >= 1 && columns <= n - total, args, "Split column counts must be positive and add up to N.",
              "sum " + std::to_string(n), "output " + std::to_string(i) + ": " + std::to_string(columns));
      splits.push_back(columns);
      total += columns;
    }
    require(total == n, args, "Split column counts must add up to N.", std::to_string(n), std::to_string(total));
  }
  for (size_t i = 0; i < inputs; ++i) require_dtype(args, args.in(i), DType::kFloat32, "GEMM inputs");
  const TensorDesc& a = args.in(0);
  require(!a.shape.empty() && a.shape.back() == k, args, "A's last dim must be K.", "[..., " + std::to_string(k) + "]",
          shape_string(a.shape));
  require(a.elements >= 1, args, "A must not be empty.", ">= 1 element", shape_string(a.shape));
  for (size_t i = 0; i < splits.size(); ++i) {
    const TensorDesc& y = args.out(i);
    require_dtype(args, y, DType::kFloat32, "output");
    std::vector<int64_t> expected = a.shape;
    expected.back() = splits[i];
    require(y.shape == expected, args, "Output shape must be A's with the last dim N.", shape_string(expected),
            shape_string(y.shape));
  }
  if (has_bias) {
    require(args.in(2).elements == n, args, "Bias must have N values.", std::to_string(n),
            std::to_string(args.in(2).elements));
  }
  if (has_residual) {
    require(args.in(inputs - 1).shape == args.out(0).shape, args, "Residual must have the output's shape.",
            shape_string(args.out(0).shape), shape_string(args.in(inputs - 1).shape));
  }
  return {k, n, has_bias == 1, has_residual == 1, inputs, splits};
}

}  // namespace kiln

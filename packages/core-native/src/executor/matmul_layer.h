// The layer contract of the MatMul families between two activations (f32_matmul, bf16_matmul):
// inputs [a [..., M, K], b [..., K, N]], outputs [y [..., M, N]], params [] or [alpha] (Y = alpha ·
// A·B, alpha multiplying the fp32 sums: Mul nodes by scalars folded in), no epilogue; numpy
// broadcasting of the batch dims and ONNX's 1-D promotion (A [K] is [1, K] and B [K] is [K, 1],
// the promoted dim dropped from Y). One check of the bindings for both families.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "executor/kernel_util.h"

namespace kiln {

// One broadcast batch dim after coalescing, with the element strides of A, B and Y (0 broadcasts).
struct MatmulBatchDim {
  int64_t size, a_stride, b_stride, c_stride;
};

struct MatmulLayer {
  int64_t m, n, k;
  float alpha;
  // Batch dims, outermost first: size-1 dims dropped, neighbours merged where all strides line up.
  std::vector<MatmulBatchDim> batch;
};

inline MatmulLayer check_matmul_layer(const OpBuildArgs& args, const char* family) {
  require_arity(args, 2, 2, 1);
  require(args.layer.params.size() <= 1, args, "Wrong number of params.", "0 or 1 (alpha)",
          std::to_string(args.layer.params.size()));
  const double alpha = args.layer.params.empty() ? 1.0 : args.layer.params[0];
  require(std::isfinite(alpha), args, "MatMul alpha must be finite.", "a finite number", std::to_string(alpha));
  require(args.layer.epilogue.empty(), args, std::string(family) + " takes no epilogue.", "no epilogue", "an epilogue");
  for (size_t i = 0; i < 2; ++i) require_dtype(args, args.in(i), DType::kFloat32, "MatMul inputs");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  std::vector<int64_t> as = args.in(0).shape, bs = args.in(1).shape;
  require(!as.empty() && !bs.empty(), args, "MatMul operands must have rank >= 1.", "rank >= 1",
          shape_string(as) + " x " + shape_string(bs));
  const bool a1d = as.size() == 1, b1d = bs.size() == 1;
  if (a1d) as.insert(as.begin(), 1);
  if (b1d) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  require(bs[bs.size() - 2] == k, args, "MatMul inner dims differ.", "B [..., " + std::to_string(k) + ", N]",
          shape_string(args.in(1).shape));
  require(m >= 1 && n >= 1 && k >= 1, args, "MatMul dims must be positive.", "M, N, K >= 1",
          shape_string(args.in(0).shape) + " x " + shape_string(args.in(1).shape));
  const size_t ra = as.size() - 2, rb = bs.size() - 2, rank = std::max(ra, rb);
  std::vector<MatmulBatchDim> dims(rank);
  int64_t a_stride = m * k, b_stride = k * n, c_stride = m * n;
  std::vector<int64_t> expected(rank);
  for (size_t i = rank; i-- > 0;) {
    const size_t from_end = rank - i;
    const int64_t da = from_end <= ra ? as[ra - from_end] : 1, db = from_end <= rb ? bs[rb - from_end] : 1;
    require(da == db || da == 1 || db == 1, args, "MatMul batch dims do not broadcast.", "equal dims or 1",
            shape_string(args.in(0).shape) + " x " + shape_string(args.in(1).shape));
    const int64_t d = std::max(da, db);
    require(d >= 1, args, "MatMul batch dims must be positive.", ">= 1", std::to_string(d));
    expected[i] = d;
    dims[i] = {d, da == 1 ? 0 : a_stride, db == 1 ? 0 : b_stride, c_stride};
    a_stride *= da, b_stride *= db, c_stride *= d;
  }
  if (!a1d) expected.push_back(m);
  if (!b1d) expected.push_back(n);
  require(args.out(0).shape == expected, args, "MatMul output shape mismatch.", shape_string(expected),
          shape_string(args.out(0).shape));
  // Coalesce: drop size-1 dims, merge a dim into its inner neighbour when all strides line up.
  std::vector<MatmulBatchDim> merged;
  for (const MatmulBatchDim& d : dims) {
    if (d.size == 1) continue;
    if (!merged.empty()) {
      MatmulBatchDim& last = merged.back();
      if (last.a_stride == d.a_stride * d.size && last.b_stride == d.b_stride * d.size &&
          last.c_stride == d.c_stride * d.size) {
        last = {last.size * d.size, d.a_stride, d.b_stride, d.c_stride};
        continue;
      }
    }
    merged.push_back(d);
  }
  return {m, n, k, static_cast<float>(alpha), std::move(merged)};
}

}  // namespace kiln

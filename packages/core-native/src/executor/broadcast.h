// ONNX (numpy) multidirectional broadcasting of N operands onto an output shape, for elementwise
// drivers (compare, logical, where, expand). The output's dims are collapsed wherever every
// operand stays contiguous; the last collapsed dim is the inner run (`n` elements) each kernel
// call covers, and each operand's inner run is either a vector or one broadcast element.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "executor/kernel_util.h"

namespace kiln {

struct BroadcastPlan {
  std::vector<int64_t> outer_dims;            // collapsed outer dims of the output
  std::vector<std::vector<int64_t>> strides;  // [operand][outer dim]: element strides (0 = broadcast)
  std::vector<bool> inner_vec;                // [operand]: the inner run advances (else one element repeats)
  int64_t rows = 1, n = 1;                    // rows = product(outer_dims); n = inner run length
};

inline std::string shapes_string(const std::vector<std::vector<int64_t>>& shapes) {
  std::string s;
  for (size_t i = 0; i < shapes.size(); ++i) s += (i ? " " : "") + shape_string(shapes[i]);
  return s;
}

// Checks that every operand broadcasts to `y`: each dim equal to y's or 1, and (when `exact`, as for
// elementwise ops; Expand's target shape may add dims) each of y's dims one of the operands'.
inline BroadcastPlan plan_broadcast(const OpBuildArgs& args, const std::vector<std::vector<int64_t>>& operands,
                                    const std::vector<int64_t>& y, bool exact = true) {
  const size_t rank = y.size(), count = operands.size();
  std::vector<std::vector<int64_t>> raw(count, std::vector<int64_t>(rank, 0));
  for (size_t k = 0; k < count; ++k) {
    const std::vector<int64_t>& s = operands[k];
    require(s.size() <= rank, args, "Output rank is below an input's rank.", "rank(y) = max of the inputs' ranks",
            shapes_string(operands) + " -> " + shape_string(y));
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      const int64_t d = i + s.size() >= rank ? s[i + s.size() - rank] : 1;
      require(d == y[i] || d == 1, args, "Shapes do not broadcast to the output shape.",
              "numpy broadcasting of " + shapes_string(operands), shape_string(y));
      raw[k][i] = d == 1 ? 0 : stride;
      stride *= d;
    }
  }
  for (size_t i = 0; i < rank && exact; ++i) {
    bool some = count == 0;
    for (size_t k = 0; k < count && !some; ++k) {
      const std::vector<int64_t>& s = operands[k];
      some = (i + s.size() >= rank ? s[i + s.size() - rank] : 1) == y[i];
    }
    require(some, args, "Output dim matches no input dim.", "numpy broadcasting of " + shapes_string(operands),
            shape_string(y));
  }
  BroadcastPlan plan;
  plan.strides.assign(count, {});
  std::vector<int64_t> dims;
  for (size_t i = 0; i < rank; ++i) {
    if (y[i] == 1) continue;
    bool merge = !dims.empty();
    for (size_t k = 0; k < count && merge; ++k) merge = plan.strides[k].back() == raw[k][i] * y[i];
    if (merge) {
      dims.back() *= y[i];
      for (size_t k = 0; k < count; ++k) plan.strides[k].back() = raw[k][i];
    } else {
      dims.push_back(y[i]);
      for (size_t k = 0; k < count; ++k) plan.strides[k].push_back(raw[k][i]);
    }
  }
  plan.inner_vec.assign(count, true);
  if (!dims.empty()) {
    plan.n = dims.back();
    dims.pop_back();
    for (size_t k = 0; k < count; ++k) {
      plan.inner_vec[k] = plan.strides[k].back() != 0;
      plan.strides[k].pop_back();
    }
  }
  plan.outer_dims = dims;
  plan.rows = product(dims, 0, dims.size());
  return plan;
}

// Element offset of operand k at the start of output row `row`.
inline int64_t broadcast_offset(const BroadcastPlan& plan, size_t k, int64_t row) {
  int64_t offset = 0;
  for (size_t d = plan.outer_dims.size(); d-- > 0;) {
    offset += (row % plan.outer_dims[d]) * plan.strides[k][d];
    row /= plan.outer_dims[d];
  }
  return offset;
}

// Runs fn(offsets, out, len) over the output in blocks of at most `block` elements of one row,
// split over the pool: offsets[k] is operand k's first element for the block (its inner run
// advances only when inner_vec[k]), out the block's first output element. At most 4 operands.
template <class F>
void for_each_broadcast_block(ThreadPool* pool, const BroadcastPlan& plan, int64_t block, const F& fn) {
  const int64_t n = plan.n, blocks = (n + block - 1) / block;
  const size_t count = plan.inner_vec.size();
  const int64_t grain = std::max<int64_t>(1, 32768 / std::min(n, block));
  parallel_chunks(pool, plan.rows * blocks, grain, [&](int64_t begin, int64_t end) {
    int64_t offsets[4] = {0, 0, 0, 0};
    for (int64_t item = begin; item < end; ++item) {
      const int64_t row = item / blocks, start = (item % blocks) * block;
      for (size_t k = 0; k < count && k < 4; ++k) {
        offsets[k] = broadcast_offset(plan, k, row) + (plan.inner_vec[k] ? start : 0);
      }
      fn(static_cast<const int64_t*>(offsets), row * n + start, std::min(block, n - start));
    }
  });
}

}  // namespace kiln

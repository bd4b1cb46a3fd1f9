// Helpers shared by kernel family drivers: precondition checks with uniform wording, shape
// arithmetic, and splitting work over the pool.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "executor/error.h"
#include "executor/op.h"

namespace kiln {

inline void require(bool ok, const OpBuildArgs& args, const std::string& message, const std::string& expected,
                    const std::string& found) {
  check_program(ok, args.where, message, expected, found);
}

inline void require_arity(const OpBuildArgs& args, size_t min_inputs, size_t max_inputs, size_t outputs) {
  const size_t n = args.layer.inputs.size();
  require(n >= min_inputs && n <= max_inputs, args, "Wrong number of layer inputs.",
          std::to_string(min_inputs) + (max_inputs != min_inputs ? ".." + std::to_string(max_inputs) : ""),
          std::to_string(n));
  require(args.layer.outputs.size() == outputs, args, "Wrong number of layer outputs.", std::to_string(outputs),
          std::to_string(args.layer.outputs.size()));
}

inline void require_dtype(const OpBuildArgs& args, const TensorDesc& t, DType dtype, const char* role) {
  require(t.dtype == dtype, args, std::string("Wrong dtype for ") + role + ".", dtype_name(dtype), dtype_name(t.dtype));
}

inline void require_params(const OpBuildArgs& args, size_t count, const std::string& meaning) {
  require(args.layer.params.size() == count, args, "Wrong number of params.",
          std::to_string(count) + " (" + meaning + ")", std::to_string(args.layer.params.size()));
}

inline int64_t param_int(const OpBuildArgs& args, size_t i) {
  const double v = args.layer.params[i];
  require(v == static_cast<double>(static_cast<int64_t>(v)), args, "Param must be an integer.", "integer",
          std::to_string(v));
  return static_cast<int64_t>(v);
}

// Normalizes a possibly negative ONNX axis into [0, rank).
inline int normalize_axis(const OpBuildArgs& args, int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  require(axis >= -r && axis < r, args, "Axis out of range.", "[-rank, rank) with rank " + std::to_string(r),
          std::to_string(axis));
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

inline int64_t product(const std::vector<int64_t>& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < shape.size(); ++i) p *= shape[i];
  return p;
}

inline std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

// Splits [0, total) into at most 4 chunks per pool thread, each at least `grain` long, and runs
// fn(begin, end) for each on the pool.
template <class F>
void parallel_chunks(ThreadPool* pool, int64_t total, int64_t grain, const F& fn) {
  if (total <= 0) return;
  const int64_t by_grain = (total + std::max<int64_t>(grain, 1) - 1) / std::max<int64_t>(grain, 1);
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(by_grain, int64_t{4} * pool->size()));
  const int64_t chunk = (total + tasks - 1) / tasks;
  pool->parallel_for(tasks, [&](int64_t t) {
    const int64_t begin = t * chunk, end = std::min(total, begin + chunk);
    if (begin < end) fn(begin, end);
  });
}

}  // namespace kiln

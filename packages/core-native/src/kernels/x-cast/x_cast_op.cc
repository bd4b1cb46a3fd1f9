// x_cast (ONNX Cast) among float32, int64, int32 and bool. Layer: inputs [x], outputs [y] (same
// element count), dtypes from the tensor table. float -> int truncates toward zero; NaN becomes 0
// and out-of-range values saturate (defined behaviour instead of C++'s UB); anything -> bool is
// x != 0; bool -> number is 0/1.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "executor/factories.h"
#include "executor/kernel_util.h"

namespace kiln {
namespace {

template <class To>
To from_float(float v) {
  if (std::isnan(v)) return 0;
  const double d = std::trunc(static_cast<double>(v));
  if (d <= static_cast<double>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
  if (d >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
  return static_cast<To>(d);
}

template <class From, class To>
void convert(const void* src, void* dst, int64_t begin, int64_t end) {
  const From* x = static_cast<const From*>(src);
  To* y = static_cast<To*>(dst);
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (std::is_same_v<To, uint8_t>) y[i] = x[i] != 0 ? 1 : 0;  // bool
    else if constexpr (std::is_same_v<From, float> && !std::is_same_v<To, float>) y[i] = from_float<To>(x[i]);
    else y[i] = static_cast<To>(x[i]);
  }
}

using ConvertFn = void (*)(const void*, void*, int64_t, int64_t);

template <class From>
ConvertFn pick_to(DType to) {
  switch (to) {
    case DType::kFloat32: return convert<From, float>;
    case DType::kInt64: return convert<From, int64_t>;
    case DType::kInt32: return convert<From, int32_t>;
    case DType::kBool: return convert<From, uint8_t>;
    case DType::kUint8: return nullptr;  // int8 activations: qu8 layers only (kernel_registry)
  }
  return nullptr;
}

ConvertFn pick(DType from, DType to) {
  switch (from) {
    case DType::kFloat32: return pick_to<float>(to);
    case DType::kInt64: return pick_to<int64_t>(to);
    case DType::kInt32: return pick_to<int32_t>(to);
    case DType::kBool: return pick_to<uint8_t>(to);
    case DType::kUint8: return nullptr;
  }
  return nullptr;
}

class XCastOp final : public Op {
 public:
  XCastOp(ConvertFn fn, int64_t n, int x, int y) : fn_(fn), n_(n), x_(x), y_(y) {}
  void run(const RunState& state) const override {
    const void* x = state.tensors[x_];
    void* y = state.tensors[y_];
    parallel_chunks(state.pool, n_, 32768, [&](int64_t b, int64_t e) { fn_(x, y, b, e); });
  }

 private:
  ConvertFn fn_;
  int64_t n_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_cast(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require(args.in(0).elements == args.out(0).elements, args, "Cast input and output sizes differ.",
          std::to_string(args.in(0).elements) + " elements", std::to_string(args.out(0).elements));
  return std::make_unique<XCastOp>(pick(args.in(0).dtype, args.out(0).dtype), args.in(0).elements, args.layer.inputs[0],
                                   args.layer.outputs[0]);
}

}  // namespace kiln

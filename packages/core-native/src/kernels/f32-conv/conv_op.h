// The run-time op of an f32 convolution layer, shared by the NHWC driver (f32_conv_op.cc), the
// NCHW-input driver (f32_conv_nchw_op.cc) and the transposed-convolution driver
// (f32_deconv_op.cc): all bind the same tensors (input, packed weights, bias?, residual?, output
// with an optional row stride) to ConvParams and differ only in the variant and shape types and
// the call that runs it (`Run`).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "executor/fused_epilogue.h"
#include "executor/op.h"
#include "kernels/f32-conv/conv.h"

namespace kiln {

template <class Variant, class Shape,
          void (*Run)(const Variant&, const Shape&, const f32_conv::ConvParams&, ThreadPool*)>
class F32ConvLayerOp final : public Op {
 public:
  F32ConvLayerOp(const Variant& variant, Shape shape, f32_gemm::Epilogue epilogue, int x, int w,
                 int bias, int residual, int y, int64_t output_stride, bool check_alignment, std::string where)
      : variant_(variant), shape_(shape), epilogue_(epilogue), x_(x), w_(w), bias_(bias), residual_(residual), y_(y),
        output_stride_(output_stride), check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    f32_conv::ConvParams p;
    p.input = state.at<const float>(x_);
    p.packed_weights = state.at<const float>(w_);
    if (check_alignment_) check_packed_pointer(p.packed_weights, where_);
    p.output = state.at<float>(y_);
    p.output_stride = output_stride_;
    p.epilogue = epilogue_;
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (residual_ >= 0) p.epilogue.residual = state.at<const float>(residual_);
    Run(variant_, shape_, p, state.pool);
  }

 private:
  const Variant& variant_;
  Shape shape_;
  f32_gemm::Epilogue epilogue_;
  int x_, w_, bias_, residual_, y_;  // tensor ids; bias_ / residual_ -1 when the layer has none
  int64_t output_stride_;  // 0: dense; else floats between output pixels (a view of a wider tensor)
  bool check_alignment_;
  std::string where_;
};

}  // namespace kiln

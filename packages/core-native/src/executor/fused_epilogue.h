// Maps a layer's epilogue list (at most one activation step) onto the f32-gemm Epilogue used by
// the GEMM and convolution families, and the alignment check for prepacked weight operands.
#pragma once

#include <cstdint>
#include <string>

#include "executor/kernel_util.h"
#include "kernels/f32-gemm/gemm.h"

namespace kiln {

inline f32_gemm::Epilogue fused_activation(const OpBuildArgs& args) {
  using f32_gemm::Activation;
  f32_gemm::Epilogue ep;
  const auto& steps = args.layer.epilogue;
  require(steps.size() <= 1, args, "GEMM/conv layers fuse at most one activation.", "0 or 1 epilogue steps",
          std::to_string(steps.size()));
  if (steps.empty()) return ep;
  const UnaryStep& step = steps[0];
  switch (step.op) {
    case UnaryOp::kRelu: ep.activation = Activation::kRelu; break;
    case UnaryOp::kClip: ep.activation = Activation::kClip; break;
    case UnaryOp::kLeakyRelu: ep.activation = Activation::kLeakyRelu; break;
    case UnaryOp::kSigmoid: ep.activation = Activation::kSigmoid; break;
    case UnaryOp::kTanh: ep.activation = Activation::kTanh; break;
    case UnaryOp::kSilu: ep.activation = Activation::kSilu; break;
    case UnaryOp::kHardSwish: ep.activation = Activation::kHardSwish; break;
    case UnaryOp::kGelu: ep.activation = Activation::kGeluErf; break;
    case UnaryOp::kGeluTanh: ep.activation = Activation::kGeluTanh; break;
    default:
      require(false, args, "This activation cannot be fused into a GEMM/conv epilogue.",
              "Relu, Clip, LeakyRelu, Sigmoid, Tanh, SiLU, HardSwish, Gelu or GeluTanh", unary_op_name(step.op));
  }
  ep.alpha = step.alpha;
  ep.beta = step.beta;
  return ep;
}

// Prepacked operands are read with aligned vector loads: a weights/arena tensor must sit at a
// 64-byte offset (both bases are 64-byte aligned); an input binding is checked per run.
inline void require_packed_alignment(const OpBuildArgs& args, const TensorDesc& t) {
  require(t.location == Location::kInput || t.offset % 64 == 0, args, "Packed weights must be 64-byte aligned.",
          "a byte offset that is a multiple of 64", std::to_string(t.offset));
}

inline void check_packed_pointer(const void* p, const std::string& where) {
  if (reinterpret_cast<uintptr_t>(p) % 64 != 0) {
    throw KilnException("ERR_BINDING_INVALID", "Packed weights must be 64-byte aligned.",
                        "a Float32Array whose byteOffset is a multiple of 64", "an unaligned view", where,
                        "Store packed weights in the engine's weights buffer at a 64-byte offset.");
  }
}

}  // namespace kiln

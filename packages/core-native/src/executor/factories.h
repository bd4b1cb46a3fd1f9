// Factories of the kernel families implemented in src/kernels/*/ (one per family driver file).
#pragma once

#include "executor/op.h"

namespace kiln {

std::unique_ptr<Op> make_f32_vbinary(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_vunary(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_softmax(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_layernorm(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_reduce(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_pool2d(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_transpose(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_concat(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_concat_view(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_slice(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_gather(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_copy(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_cast(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_conv(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_mbconv(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_conv_nchw(const OpBuildArgs& args);
std::unique_ptr<Op> make_bf16_conv_nchw(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_gemm(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_matmul(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_compare(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_classify(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_logical(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_where(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_expand(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_channelnorm(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_pad(const OpBuildArgs& args);
std::unique_ptr<Op> make_x_split(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_resize(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_deconv(const OpBuildArgs& args);
std::unique_ptr<Op> make_f32_rnn(const OpBuildArgs& args);
std::unique_ptr<Op> make_lowp_gemm(const OpBuildArgs& args);
std::unique_ptr<Op> make_lowp_conv(const OpBuildArgs& args);
std::unique_ptr<Op> make_qu8_dwconv(const OpBuildArgs& args);
std::unique_ptr<Op> make_qu8_conv_nchw(const OpBuildArgs& args);
std::unique_ptr<Op> make_qu8_maxpool(const OpBuildArgs& args);
std::unique_ptr<Op> make_bf16_dwconv(const OpBuildArgs& args);
std::unique_ptr<Op> make_bf16_mbconv(const OpBuildArgs& args);
std::unique_ptr<Op> make_bf16_maxpool(const OpBuildArgs& args);
std::unique_ptr<Op> make_bf16_matmul(const OpBuildArgs& args);

}  // namespace kiln

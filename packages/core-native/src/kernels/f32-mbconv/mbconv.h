// f32 inverted-residual block (MobileNet's MBConv) in one kernel over NHWC:
//   [1x1 expand conv + act] -> kh x kw depthwise conv + act -> 1x1 project conv (+ residual) + act.
// The output is produced in bands of rows; each band's expanded rows and depthwise rows live in
// small per-thread buffers that stay in cache, so the wide expanded tensor is never written to
// memory. The math is f32-gemm's microkernels and f32-conv's depthwise row kernels; the weights
// are the three convolutions' own packed operands, back to back. See README.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/f32-conv/conv.h"
#include "kernels/f32-conv/dwconv.h"
#include "kernels/f32-gemm/gemm.h"
#include "platform/cpu.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::f32_mbconv {

using f32_conv::ConvShape;
using f32_gemm::Epilogue;

// Block geometry. Input [batch, in_h, in_w, in_c] NHWC; expanded channels expand_c (== in_c when
// the block has no expand conv); output [batch, out_h(), out_w(), out_c] NHWC. The depthwise
// conv has the kernel, stride, dilation and pads below; both 1x1 convs are stride 1, unpadded.
struct MbconvShape {
  int64_t batch = 1, in_h = 0, in_w = 0, in_c = 0, expand_c = 0, out_c = 0;
  bool has_expand = true;
  int64_t kernel_h = 3, kernel_w = 3, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 1, pad_left = 1, pad_bottom = 1, pad_right = 1;

  ConvShape expand() const;     // 1x1 in_c -> expand_c over the input
  ConvShape depthwise() const;  // over the expanded tensor [batch, in_h, in_w, expand_c]
  ConvShape project() const;    // 1x1 expand_c -> out_c over the depthwise output
  int64_t out_h() const { return depthwise().out_h(); }
  int64_t out_w() const { return depthwise().out_w(); }
  bool valid() const;
};

// The three stages' epilogues: bias and activation each; project_epilogue.residual is NHWC like
// the output (its residual_stride is ignored). expand_epilogue is unused without an expand conv.
struct MbconvParams {
  const float* input = nullptr;
  const float* packed_weights = nullptr;  // 64-byte aligned: expand | depthwise | project
  float* output = nullptr;                // must not alias the input
  Epilogue expand_epilogue, depthwise_epilogue, project_epilogue;
  int64_t band_rows = 0;  // output rows per band; 0 = chosen from the cache budget
};

struct MbconvVariant {
  const char* name;       // f32_mbconv_14x32__avx512
  Isa isa;
  const char* gemm;       // the f32-gemm variant of both 1x1 convs (and of their packed weights)
  f32_conv::DwRowFn dw_3x3;  // depthwise row kernel for 3x3 (null: use dw_any)
  f32_conv::DwRowFn dw_any;  // any kernel size, stride, dilation and pads
};

// The ordered list, fastest first; the scalar one (scalar GEMM and depthwise rows) is last.
const MbconvVariant* variants();
size_t variant_count();
const MbconvVariant* find_variant(const char* name);
bool applies(const MbconvVariant& variant, Isa host, const MbconvShape& shape);

// Floats of each packed part (each a multiple of 16) and of the whole operand.
struct PackedParts {
  size_t expand, depthwise, project;
  size_t total() const { return expand + depthwise + project; }
};
PackedParts packed_parts(const MbconvVariant& variant, const MbconvShape& shape);

// Packs the block's ONNX weights, given back to back: expand [expand_c, in_c, 1, 1] (absent
// without an expand conv), depthwise [expand_c, 1, kh, kw], project [out_c, expand_c, 1, 1], into
// `packed` (packed_parts(...).total() floats, 64-byte aligned).
size_t weight_count(const MbconvShape& shape);
void pack(const MbconvVariant& variant, const MbconvShape& shape, const float* weights, float* packed);

// Output rows per band when params.band_rows is 0.
int64_t default_band_rows(const MbconvShape& shape);

void run(const MbconvVariant& variant, const MbconvShape& shape, const MbconvParams& params,
         ThreadPool* pool);

}  // namespace kiln::f32_mbconv

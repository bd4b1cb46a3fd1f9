// bf16 inverted-residual block (MobileNet's MBConv) in one kernel over NHWC, for bf16 engines:
//   [1x1 expand conv + act] -> kh x kw depthwise conv + act -> 1x1 project conv (+ residual) + act,
// the input, output and residual each fp32 or bfloat16 (bf16 activations between bf16 layers).
// f32_mbconv's band scheme: the output is produced in bands of rows; each band's expanded rows
// (with their halo) and depthwise rows are held as bf16 in small per-thread buffers that stay in
// cache. The 1x1 convs run on a lowp-gemm bf16 variant (its bf16-io kernel where it has one:
// bf16 rows in, epilogue rounded once on store), the depthwise rows on bf16-dwconv's row kernels. Every stage
// rounds to bf16 exactly where the three unfused bf16 layers do, so the output is bit for bit the
// unfused layers' output. See README.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/bf16-dwconv/dwconv.h"
#include "kernels/f32-mbconv/mbconv.h"
#include "kernels/lowp-gemm/lowp.h"
#include "platform/cpu.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::bf16_mbconv {

using f32_gemm::Epilogue;
using f32_mbconv::MbconvShape;

// One tensor that is either fp32 or bf16 (bf16-dwconv's).
using bf16_dwconv::Activations;

// The three stages' epilogues: bias and activation each (residual: the field below, NHWC like the
// output). expand_epilogue is unused without an expand conv.
struct MbconvParams {
  Activations input;
  const void* packed_weights = nullptr;  // 64-byte aligned: expand | depthwise | project
  Activations residual;                  // data null: none
  void* output = nullptr;                // must not alias the input
  bool output_bf16 = false;
  Epilogue expand_epilogue, depthwise_epilogue, project_epilogue;
  int64_t band_rows = 0;  // output rows per band; 0 = chosen from the cache budget
};

struct MbconvVariant {
  const char* name;     // bf16_mbconv_32x32__amx
  Isa isa;
  const char* gemm;     // the lowp-gemm bf16 variant of both 1x1 convs (and of their packed weights)
  const char* dw_3x3;   // bf16-dwconv variant for 3x3 kernels (null: dw_any)
  const char* dw_any;   // bf16-dwconv variant for any kernel size, stride, dilation and pads
};

// The ordered list, fastest first; the scalar one (scalar GEMM and depthwise rows) is last.
const MbconvVariant* variants();
size_t variant_count();
const MbconvVariant* find_variant(const char* name);
bool applies(const MbconvVariant& variant, Isa host, const MbconvShape& shape);
const lowp_gemm::LowpVariant& gemm_of(const MbconvVariant& variant);

// Bytes of each packed part (each a multiple of 64) and of the whole operand.
struct PackedParts {
  size_t expand, depthwise, project;
  size_t total() const { return expand + depthwise + project; }
};
PackedParts packed_parts(const MbconvVariant& variant, const MbconvShape& shape);

// Packs the block's ONNX fp32 weights, given back to back as f32_mbconv takes them (expand
// [E, C, 1, 1] when present, depthwise [E, 1, kh, kw], project [OC, E, 1, 1]): the 1x1 convs as
// the variant's GEMM packs them (bf16 pairs, the bf16_conv layers' bytes), the depthwise as
// f32_conv::dwconv_pack (bf16_dwconv's weights are fp32). `packed`: packed_parts(...).total()
// bytes, 64-byte aligned.
void pack(const MbconvVariant& variant, const MbconvShape& shape, const float* weights, void* packed);

// Output rows per band when params.band_rows is 0.
int64_t default_band_rows(const MbconvShape& shape);

void run(const MbconvVariant& variant, const MbconvShape& shape, const MbconvParams& params, ThreadPool* pool);

}  // namespace kiln::bf16_mbconv

// Declarations of every f32 GEMM microkernel and row epilogue, one per ISA file.
#pragma once

#include "gemm.h"

namespace kiln::f32_gemm {

#define KILN_F32_GEMM_UKERNEL(name)                                                       \
  void name(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t mr, \
            int64_t nr, bool accumulate)

KILN_F32_GEMM_UKERNEL(f32_gemm_6x32__avx512);
KILN_F32_GEMM_UKERNEL(f32_gemm_12x32__avx512);
KILN_F32_GEMM_UKERNEL(f32_gemm_14x32__avx512);
KILN_F32_GEMM_UKERNEL(f32_gemm_8x48__avx512);
KILN_F32_GEMM_UKERNEL(f32_gemm_28x16__avx512);
KILN_F32_GEMM_UKERNEL(f32_gemm_6x16__avx2);
KILN_F32_GEMM_UKERNEL(f32_gemm_4x24__avx2);
KILN_F32_GEMM_UKERNEL(f32_gemm_4x4__scalar);

#undef KILN_F32_GEMM_UKERNEL

#define KILN_F32_GEMM_DIRECT(name)                                                          \
  void name(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, \
            int64_t mr, int64_t nr, bool accumulate, const TileEpilogue* tile)

KILN_F32_GEMM_DIRECT(f32_gemm_direct_6x32__avx512);
KILN_F32_GEMM_DIRECT(f32_gemm_direct_12x32__avx512);
KILN_F32_GEMM_DIRECT(f32_gemm_direct_14x32__avx512);
KILN_F32_GEMM_DIRECT(f32_gemm_direct_8x48__avx512);
KILN_F32_GEMM_DIRECT(f32_gemm_direct_28x16__avx512);
KILN_F32_GEMM_DIRECT(f32_gemm_direct_6x16__avx2);
KILN_F32_GEMM_DIRECT(f32_gemm_direct_4x24__avx2);

#undef KILN_F32_GEMM_DIRECT

#define KILN_F32_GEMM_INDIRECT(name)                                                         \
  void name(int64_t taps, const float* const* a, int64_t cin, const float* b, float* c,     \
            int64_t ldc, int64_t mr, int64_t nr, bool accumulate, const TileEpilogue* tile)

KILN_F32_GEMM_INDIRECT(f32_gemm_indirect_6x32__avx512);
KILN_F32_GEMM_INDIRECT(f32_gemm_indirect_12x32__avx512);
KILN_F32_GEMM_INDIRECT(f32_gemm_indirect_14x32__avx512);
KILN_F32_GEMM_INDIRECT(f32_gemm_indirect_8x48__avx512);
KILN_F32_GEMM_INDIRECT(f32_gemm_indirect_28x16__avx512);
KILN_F32_GEMM_INDIRECT(f32_gemm_indirect_6x16__avx2);
KILN_F32_GEMM_INDIRECT(f32_gemm_indirect_4x24__avx2);

#undef KILN_F32_GEMM_INDIRECT

void f32_epilogue_row__avx512(float* c, int64_t n, const float* bias, const float* residual,
                              const Epilogue& epilogue);
void f32_epilogue_row__avx2(float* c, int64_t n, const float* bias, const float* residual,
                            const Epilogue& epilogue);
void f32_epilogue_row__scalar(float* c, int64_t n, const float* bias, const float* residual,
                              const Epilogue& epilogue);

// Scalar reference activation (std:: math), shared by the scalar epilogue and tests.
float activate_scalar(float x, const Epilogue& epilogue);

}  // namespace kiln::f32_gemm

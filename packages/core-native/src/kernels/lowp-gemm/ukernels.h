// Declarations of the reduced-precision GEMM microkernels, A packers and dequantize rows, one
// set per ISA file. Names decode as <format>_gemm_<MR>x<NR>[c<k group>]__<isa>.
#pragma once

#include "lowp.h"

namespace kiln::lowp_gemm {

#define KILN_LOWP_UKERNEL(name)                                                              \
  void name(int64_t kc, const void* a, const void* b, void* c, int64_t ldc, int64_t mr,      \
            int64_t nr, bool accumulate)
#define KILN_LOWP_PACK_A(name)                                                               \
  void name(const float* a, int64_t lda, int64_t rows, int64_t k, int mr, const Quantization& q, \
            void* packed)

KILN_LOWP_UKERNEL(bf16_gemm_4x4c2__scalar);
KILN_LOWP_UKERNEL(f16_gemm_4x4__scalar);
KILN_LOWP_UKERNEL(qu8_gemm_4x4c4__scalar);
KILN_LOWP_UKERNEL(qu8_gemm_6x8c4__avx2);
KILN_LOWP_UKERNEL(bf16_gemm_14x32c2__avx512bf16);
KILN_LOWP_UKERNEL(f16_gemm_8x32__avx512fp16);
KILN_LOWP_UKERNEL(qu8_gemm_14x32c4__avx512vnni);
KILN_LOWP_UKERNEL(bf16_gemm_32x32__amx);
KILN_LOWP_UKERNEL(qu8_gemm_32x32__amx);

KILN_LOWP_PACK_A(pack_a_u8_quads__avx2);
KILN_LOWP_PACK_A(pack_a_bf16_pairs__avx512bf16);
KILN_LOWP_PACK_A(pack_a_f16__avx512fp16);
KILN_LOWP_PACK_A(pack_a_u8_quads__avx512vnni);
KILN_LOWP_PACK_A(pack_a_bf16_rows__amx);
KILN_LOWP_PACK_A(pack_a_u8_rows__amx);

void qu8_gemm_14x32c4_fused__avx512vnni(int64_t kc, const FusedTile& tile, const void* b, int64_t mr, int64_t nr,
                                        const RowFinish& finish);
void qu8_gemm_32x32_fused__amx(int64_t kc, const FusedTile& tile, const void* b, int64_t mr, int64_t nr,
                               const RowFinish& finish);

#undef KILN_LOWP_UKERNEL
#undef KILN_LOWP_PACK_A

void dequant_row__scalar(const int32_t* acc, int64_t n, const float* scale, const float* offset,
                         float* out);
void dequant_row__avx2(const int32_t* acc, int64_t n, const float* scale, const float* offset,
                       float* out);
void dequant_row__avx512vnni(const int32_t* acc, int64_t n, const float* scale,
                             const float* offset, float* out);

// AMX tile configuration for the calling thread (every AMX kernel uses the same palette:
// 16 rows x 64 bytes in every tile); released when a block is done.
void amx_configure();
void amx_release();
// The qu8 configuration for K: as amx_configure, but for K < 64 the A tiles (4, 5) are
// round_up(K, 4) bytes wide and the B tiles (6, 7) round_up(K, 4) / 4 rows deep.
void amx_configure_qu8(int64_t k);

}  // namespace kiln::lowp_gemm

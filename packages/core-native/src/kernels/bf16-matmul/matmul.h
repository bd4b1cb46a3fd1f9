// bf16_matmul: batched MatMul of two fp32 activations (attention Q·Kᵀ and P·V) on the bf16 GEMM
// tiles of lowp-gemm. C[e] = A[e] · B[e] for each batch entry e: A and B rounded to bfloat16 (round
// to nearest even) as they are packed, products summed in fp32, C stored as fp32. B is an
// activation, so it is packed on every run, once per thread that needs it; tasks split the batch
// entries and their row blocks over the pool. See README.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/lowp-gemm/lowp.h"
#include "platform/cpu.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::bf16_matmul {

// Packs B[K, N] (row stride ldb) into bf16_gemm's packed B layout for 32-column panels with K
// padded to kpad (a multiple of 2): [N/32][kpad/2][32][2] bf16, zero past K and N. Every packer
// rounds with float_to_bf16 (subnormals kept), so all variants see the same B.
using PackBFn = void (*)(int64_t k, int64_t n, const float* b, int64_t ldb, int64_t kpad, uint16_t* packed);

struct MatmulVariant {
  const char* name;  // bf16_matmul_32x32__amx, ...
  Isa isa;
  const char* gemm;  // the lowp-gemm bf16 variant whose tiles run it
  PackBFn pack_b;    // null: lowp_gemm::pack_b (scalar)
};

// One batch entry: element offsets of its A and C, and which of the distinct B matrices it reads.
struct BatchEntry {
  int64_t a, c;
  int64_t b_slot;
};

struct MatmulParams {
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;        // C = alpha · A·B, alpha multiplying the fp32 sums
  const float* a = nullptr;  // each entry's A [M, K] at a + entry.a, row stride K
  const float* b = nullptr;  // distinct B [K, N] i at b + b_offsets[i], row stride N
  float* c = nullptr;        // each entry's C [M, N] at c + entry.c, row stride N
  const BatchEntry* entries = nullptr;
  int64_t entry_count = 0;
  const int64_t* b_offsets = nullptr;
  int64_t b_count = 0;
};

// Runs every entry over the pool (null pool: the calling thread). gemm: the variant's lowp-gemm
// variant (find_variant(variant.gemm)).
void matmul(const MatmulVariant& variant, const lowp_gemm::LowpVariant& gemm, const MatmulParams& params,
            ThreadPool* pool);

void pack_b_bf16_32__avx512(int64_t k, int64_t n, const float* b, int64_t ldb, int64_t kpad, uint16_t* packed);

// Variants, fastest first, the scalar reference (the lowp-gemm scalar bf16 tiles) last.
const MatmulVariant* variants();
size_t variant_count();
const MatmulVariant* find_variant(const char* name);

}  // namespace kiln::bf16_matmul

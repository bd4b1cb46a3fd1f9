// The f32 GEMM family's ordered variant list (the builder's tactics). Fastest-first by ISA; the
// scalar reference is always present and last.
#pragma once

#include <cstddef>

#include "gemm.h"

namespace kiln::f32_gemm {

// All variants, including those the host cannot run (check `isa` against kiln::max_isa()).
const GemmVariant* variants();
size_t variant_count();

// Null if no variant has this name.
const GemmVariant* find_variant(const char* name);

// Whether `variant` can run C[M,N] = A[M,K]·B[K,N] on a host whose best ISA is `host`. Every
// variant handles every shape (tails are masked); the ISA is the only restriction.
bool applies(const GemmVariant& variant, Isa host, int64_t m, int64_t n, int64_t k);

}  // namespace kiln::f32_gemm

// Internal helpers shared by the f32 GEMM driver and the conv family.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gemm.h"

namespace kiln::f32_gemm {

// Per-thread 64-byte-aligned scratch, grown on demand and reused across calls. Slot 0 holds the
// packed A block inside gemm_block; callers use slots 1.. for their own buffers.
constexpr int kScratchSlots = 4;
float* thread_scratch(size_t floats, int slot);

// How gemm() splits C over threads: m_tasks x n_tasks chunks of m_chunk x n_chunk (multiples of
// the register tile).
struct TileGrid {
  int64_t m_tasks, n_tasks, m_chunk, n_chunk;
};
TileGrid plan_tiles(const GemmVariant& variant, int64_t m, int64_t n, int64_t k, int threads);
// plan_tiles for gemm_block callers: the same split with the rows shared evenly between the
// M chunks (which then need not be multiples of MR).
TileGrid plan_gemm_tiles(const GemmVariant& variant, int64_t m, int64_t n, int64_t k, int threads);

}  // namespace kiln::f32_gemm

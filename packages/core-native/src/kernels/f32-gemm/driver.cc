// f32 GEMM driver: cache blocking (K block kc, M block mc, NR-wide B panels) around a
// register-blocked microkernel, epilogue right after the last K block of each tile, and the
// M x N task split over the thread pool.
#include <algorithm>
#include <cassert>
#include <memory>

#include "gemm.h"
#include "pack.h"
#include "runtime/thread_pool.h"
#include "scratch.h"

namespace kiln::f32_gemm {

float* thread_scratch(size_t floats, int slot) {
  struct Buffer {
    float* data = nullptr;
    size_t capacity = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffers[kScratchSlots];
  assert(slot >= 0 && slot < kScratchSlots);
  Buffer& buffer = buffers[slot];
  if (buffer.capacity < floats) {
    std::free(buffer.data);
    const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    buffer.data = static_cast<float*>(std::aligned_alloc(64, bytes));
    buffer.capacity = buffer.data != nullptr ? floats : 0;
  }
  return buffer.data;
}

namespace {

// In-place A wins while few B panels reuse each A block (packing would then cost about as much
// as the multiply-adds), while the rows of A the block reads fit easily in L2 (re-reading them
// per panel is cheap), or while K is short (each tile's rows are then a few cache lines, and the
// packed path's epilogue runs per row out of registers); large, wide problems keep packing.
// Measured with bench/kernels.cc on the shared models' shapes and M=N=K=1024; the short-K rule
// on ResNet-50's 64→256 1x1 convolutions at 56x56 (1.14 → 0.99 ms at 1 thread, Zen 4).
constexpr int64_t kDirectMaxPanels = 4;
constexpr int64_t kDirectMaxABytes = 512 * 1024;
constexpr int64_t kDirectMaxK = 128;

bool use_direct(const GemmVariant& variant, const GemmParams& p, int64_t m0, int64_t m1,
                int64_t n0, int64_t n1) {
  if (variant.direct == nullptr || p.a_path == APath::kPacked) return false;
  if (p.a_path == APath::kDirect) return true;
  const int64_t panels = (n1 - n0 + variant.nr - 1) / variant.nr;
  return panels <= kDirectMaxPanels || p.k <= kDirectMaxK ||
         (m1 - m0) * p.k * static_cast<int64_t>(sizeof(float)) <= kDirectMaxABytes;
}

// Bytes of A and C rows a direct sweep covers before it moves on to the next rows: the sweep reads
// its rows of A once per B panel and writes its rows of C a panel at a time, so they should stay
// in L2 across the panels. Sweeps of more than kDirectSweepSplit bytes are cut into equal blocks of
// at most kDirectSweepBytes: ResNet-50's 56x56 1x1 convolutions (3136 rows, 3.2 MB of A or of C)
// swept all their rows per panel, reading A or writing C from L3 on every sweep.
constexpr int64_t kDirectSweepBytes = 384 * 1024;
constexpr int64_t kDirectSweepSplit = 4 * kDirectSweepBytes;

// The height of the row tiles over `rows` rows. Equal heights (the microkernel takes any height up
// to MR): 169 rows with MR = 14 run as 13 tiles of 13 rather than 12 of 14 and a 1-row tile that
// only waits on latency. Except where the AVX-512 tiles apply the epilogue's activation in
// registers only at their full height (SiLU, HardSwish, erf GELU; ukernels__avx512.cc): there
// full tiles and one shorter tile, which then runs the activation over its stored rows. bert_mini's
// FFN up (128 rows, bias + erf GELU): nine tiles of 14 and one of 2 instead of ten of 13.
int64_t tile_height(const GemmVariant& variant, const Epilogue& ep, int64_t rows) {
  const bool in_registers_when_full =
      variant.isa == Isa::kAvx512 && (ep.activation == Activation::kSilu ||
                                      ep.activation == Activation::kHardSwish ||
                                      ep.activation == Activation::kGeluErf);
  if (in_registers_when_full) return variant.mr;
  const int64_t tiles = (rows + variant.mr - 1) / variant.mr;
  return (rows + tiles - 1) / tiles;
}

// A direct GEMM over many rows with one K block and a B small enough for L2 runs tile by tile,
// each row tile across every panel, rather than panel by panel over blocks of rows: the tile's
// rows of A stay in L1 across the panels and it writes whole rows of C, where the panel order
// re-reads A from L2 per panel and leaves every row of C written a panel (two cache lines) at a
// time. Intel Xeon with AMX, 1 thread: ResNet-50's 1x1 convs at 56x56 and 28x28 (K = 64-256,
// 1.6-3.2 MB of C) 8-20% faster in the engine (conv_18, 64 -> 256 + residual: 0.85-0.94 -> 0.73-
// 0.75 ms), mobilenet_v2's 112x112 16 -> 96 in bench/kernels.cc 12-21%. A sweep that fits L2
// (bert_mini's 128 x 256 x 256) keeps the panel order, each B panel in L1 across the row tiles.
constexpr int64_t kTileMajorMaxBBytes = 256 * 1024;

bool tile_major(const GemmParams& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                int64_t row_bytes, int64_t kc) {
  const int64_t b_bytes = p.k * (n1 - n0) * static_cast<int64_t>(sizeof(float));
  return p.k <= kc && b_bytes <= kTileMajorMaxBBytes && (m1 - m0) * row_bytes > kDirectSweepBytes;
}

// gemm_block with A read in place: for each block of rows (one row tile where tile_major), for
// each NR panel, for each K block (a kc x NR slice of B that stays in L1), sweep the block's rows;
// the epilogue runs in registers after the last K block.
void gemm_block_direct(const GemmVariant& variant, const GemmParams& p, int64_t m0, int64_t m1,
                       int64_t n0, int64_t n1) {
  const int nr = variant.nr;
  const int64_t kc = variant.kc;
  const int64_t row_bytes = (p.k + (n1 - n0)) * static_cast<int64_t>(sizeof(float));
  const Epilogue& ep = p.epilogue;
  int64_t block = m1 - m0;
  if (tile_major(p, m0, m1, n0, n1, row_bytes, kc)) {
    block = tile_height(variant, ep, m1 - m0);  // one row tile per block: every panel per tile
  } else if (block * row_bytes > kDirectSweepSplit) {
    const int64_t most = std::max<int64_t>(variant.mr, kDirectSweepBytes / row_bytes / variant.mr * variant.mr);
    const int64_t blocks = (m1 - m0 + most - 1) / most;
    block = (m1 - m0 + blocks - 1) / blocks;
  }
  const bool residual_in_c = ep.residual == p.c && ep.residual_stride == p.ldc;
  const float* residual = residual_in_c ? nullptr : ep.residual;
  const bool has_epilogue = ep.bias != nullptr || residual != nullptr ||
                            ep.activation != Activation::kNone || ep.scale != 1.0f;
  for (int64_t b0 = m0; b0 < m1; b0 += block) {
    const int64_t b1 = std::min(m1, b0 + block);
    const int64_t mr = tile_height(variant, ep, b1 - b0);
    for (int64_t jc = n0; jc < n1; jc += nr) {
      const int64_t nb = std::min<int64_t>(nr, n1 - jc);
      const float* panel = p.packed_b + (jc / nr) * p.k * nr;
      TileEpilogue tile{&ep, ep.bias != nullptr ? ep.bias + jc : nullptr, nullptr,
                        ep.residual_stride};
      for (int64_t pc = 0; pc < p.k; pc += kc) {
        const int64_t kb = std::min(kc, p.k - pc);
        const bool accumulate = pc > 0 || residual_in_c;
        const bool last = pc + kb == p.k;
        for (int64_t ir = b0; ir < b1; ir += mr) {
          const int64_t rows = std::min<int64_t>(mr, b1 - ir);
          tile.residual = residual != nullptr ? residual + ir * ep.residual_stride + jc : nullptr;
          variant.direct(kb, p.a + ir * p.lda + pc, p.lda, panel + pc * nr, p.c + ir * p.ldc + jc,
                         p.ldc, rows, nb, accumulate, last && has_epilogue ? &tile : nullptr);
        }
      }
    }
  }
}

}  // namespace

void gemm_block(const GemmVariant& variant, const GemmParams& p, int64_t m0, int64_t m1,
                int64_t n0, int64_t n1) {
  assert(p.k >= 1 && p.a != nullptr && p.packed_b != nullptr && p.c != nullptr);
  assert(0 <= m0 && m0 < m1 && m1 <= p.m && 0 <= n0 && n0 < n1 && n1 <= p.n);
  assert(n0 % variant.nr == 0 && p.lda >= p.k && p.ldc >= p.n);
  assert(p.epilogue.scale == 1.0f || p.epilogue.residual == nullptr);
  if (use_direct(variant, p, m0, m1, n0, n1)) {
    gemm_block_direct(variant, p, m0, m1, n0, n1);
    return;
  }
  const int mr = variant.mr, nr = variant.nr;
  const int64_t kc = variant.kc;
  const int64_t mc = std::max<int64_t>(mr, variant.mc / mr * mr);
  const Epilogue& ep = p.epilogue;
  // A residual that is C itself folds into the accumulation: start by adding to C.
  const bool residual_in_c = ep.residual == p.c && ep.residual_stride == p.ldc;
  const float* residual = residual_in_c ? nullptr : ep.residual;
  const bool has_epilogue = ep.bias != nullptr || residual != nullptr ||
                            ep.activation != Activation::kNone || ep.scale != 1.0f;
  float* a_block = thread_scratch(static_cast<size_t>(std::min(mc, (m1 - m0 + mr - 1) / mr * mr)) *
                                      std::min(kc, p.k), 0);
  assert(a_block != nullptr);
  for (int64_t pc = 0; pc < p.k; pc += kc) {
    const int64_t kb = std::min(kc, p.k - pc);
    const bool accumulate = pc > 0 || residual_in_c;
    const bool last = pc + kb == p.k;
    for (int64_t ic = m0; ic < m1; ic += mc) {
      const int64_t mb = std::min(mc, m1 - ic);
      pack_a(p.a + ic * p.lda + pc, p.lda, mb, kb, mr, a_block);
      for (int64_t jc = n0; jc < n1; jc += nr) {
        const int64_t nb = std::min<int64_t>(nr, n1 - jc);
        const float* b_panel = p.packed_b + (jc / nr) * p.k * nr + pc * nr;
        for (int64_t ir = 0; ir < mb; ir += mr) {
          const int64_t rows = std::min<int64_t>(mr, mb - ir);
          float* c_tile = p.c + (ic + ir) * p.ldc + jc;
          variant.ukernel(kb, a_block + ir * kb, b_panel, c_tile, p.ldc, rows, nb, accumulate);
          if (last && has_epilogue) {
            const float* bias = ep.bias != nullptr ? ep.bias + jc : nullptr;
            // Narrow rows back to back (ldc == nb < 16): bias and residual per row, then the
            // activation once over the whole tile instead of a part-filled vector per row.
            const bool contiguous = nb < 16 && p.ldc == nb;
            Epilogue per_row = ep;
            if (contiguous) per_row.activation = Activation::kNone;
            for (int64_t i = 0; i < rows; ++i) {
              const float* res = residual != nullptr
                                     ? residual + (ic + ir + i) * ep.residual_stride + jc
                                     : nullptr;
              if (!contiguous || bias != nullptr || res != nullptr || per_row.scale != 1.0f) variant.epilogue_row(c_tile + i * p.ldc, nb, bias, res, per_row);
            }
            if (contiguous && ep.activation != Activation::kNone) {
              Epilogue activation_only = ep;
              activation_only.scale = 1.0f;
              variant.epilogue_row(c_tile, rows * nb, nullptr, nullptr, activation_only);
            }
          }
        }
      }
    }
  }
}

TileGrid plan_tiles(const GemmVariant& variant, int64_t m, int64_t n, int64_t k, int threads) {
  TileGrid grid{1, 1, m, n};
  const double flops = 2.0 * m * n * k;
  if (threads <= 1 || flops < 2.0e5) return grid;
  const int64_t m_tiles = (m + variant.mr - 1) / variant.mr;
  const int64_t n_tiles = (n + variant.nr - 1) / variant.nr;
  // Enough tasks for every thread with a little slack for balance; prefer splitting M (each task
  // packs only its own rows of A) while the M chunks stay several register tiles tall.
  const int64_t target = threads * (flops > 5.0e7 ? 2 : 1);
  int64_t split_m = std::min<int64_t>(target, std::max<int64_t>(1, m_tiles / 4));
  int64_t split_n = std::min<int64_t>((target + split_m - 1) / split_m, n_tiles);
  split_m = std::min<int64_t>(split_m, m_tiles);
  grid.m_chunk = (m_tiles + split_m - 1) / split_m * variant.mr;
  grid.n_chunk = (n_tiles + split_n - 1) / split_n * variant.nr;
  grid.m_tasks = (m + grid.m_chunk - 1) / grid.m_chunk;
  grid.n_tasks = (n + grid.n_chunk - 1) / grid.n_chunk;
  return grid;
}

TileGrid plan_gemm_tiles(const GemmVariant& variant, int64_t m, int64_t n, int64_t k, int threads) {
  TileGrid grid = plan_tiles(variant, m, n, k, threads);
  if (grid.m_tasks > 1) {
    // gemm_block takes any row range: share the rows evenly (M = 128 over 2 tasks: 64 + 64, not
    // 70 + 58), so no thread waits on a taller chunk.
    grid.m_chunk = (m + grid.m_tasks - 1) / grid.m_tasks;
    grid.m_tasks = (m + grid.m_chunk - 1) / grid.m_chunk;
  }
  return grid;
}

void gemm(const GemmVariant& variant, const GemmParams& p, ThreadPool* pool) {
  assert(p.m >= 1 && p.n >= 1 && p.k >= 1);
  const int threads = pool != nullptr ? pool->size() : 1;
  const TileGrid grid = plan_gemm_tiles(variant, p.m, p.n, p.k, threads);
  const int64_t tasks = grid.m_tasks * grid.n_tasks;
  auto run = [&](int64_t task) {
    const int64_t m0 = task / grid.n_tasks * grid.m_chunk;
    const int64_t n0 = task % grid.n_tasks * grid.n_chunk;
    gemm_block(variant, p, m0, std::min(p.m, m0 + grid.m_chunk), n0,
               std::min(p.n, n0 + grid.n_chunk));
  };
  if (tasks == 1 || pool == nullptr) {
    for (int64_t task = 0; task < tasks; ++task) run(task);
    return;
  }
  pool->parallel_for(tasks, run);
}

void batched_matmul(const GemmVariant& variant, const BatchedMatmulParams& p, ThreadPool* pool) {
  assert(p.batch >= 1 && p.m >= 1 && p.n >= 1 && p.k >= 1);
  assert(p.a != nullptr && p.b != nullptr && p.c != nullptr);
  const size_t packed_floats = packed_b_size(variant, p.k, p.n);
  const int threads = pool != nullptr ? pool->size() : 1;
  // Batches are the tasks when there are enough of them; otherwise each batch splits its tiles.
  const bool split_batches = p.batch >= threads;
  auto run_batch = [&](int64_t b, ThreadPool* inner) {
    float* packed = thread_scratch(packed_floats, 1);
    assert(packed != nullptr);
    pack_b(variant, p.k, p.n, p.b + b * p.b_batch_stride, p.b_k_stride, p.b_n_stride, packed);
    GemmParams g;
    g.m = p.m;
    g.n = p.n;
    g.k = p.k;
    g.a = p.a + b * p.a_batch_stride;
    g.lda = p.lda;
    g.packed_b = packed;
    g.c = p.c + b * p.c_batch_stride;
    g.ldc = p.ldc;
    g.epilogue = p.epilogue;
    if (g.epilogue.residual != nullptr) g.epilogue.residual += b * p.residual_batch_stride;
    gemm(variant, g, inner);
  };
  if (split_batches && pool != nullptr && threads > 1) {
    pool->parallel_for(p.batch, [&](int64_t b) { run_batch(b, nullptr); });
  } else {
    for (int64_t b = 0; b < p.batch; ++b) run_batch(b, pool);
  }
}

}  // namespace kiln::f32_gemm

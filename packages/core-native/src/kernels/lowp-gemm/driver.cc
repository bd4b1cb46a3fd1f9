// Reduced-precision GEMM driver: the f32 driver's blocking (K block, M block packed to L2, NR
// panels) with A converted (bf16/f16) or quantized (qu8) while it is packed. bf16/f16 tiles
// accumulate in fp32 C across K blocks; qu8 takes K whole, so each tile's int32 sums are final
// and go straight through the dequantize epilogue, then the fp32 epilogue (residual, activation).
#include <algorithm>
#include <cassert>
#include <cstring>

#include "bf16_io.h"
#include "kernels/f32-gemm/scratch.h"
#include "pack.h"
#include "runtime/thread_pool.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

f32_gemm::GemmVariant tile_shape(const LowpVariant& v) {
  f32_gemm::GemmVariant shape{};
  shape.mr = v.mr, shape.nr = v.nr, shape.kc = v.kc, shape.mc = v.mc;
  return shape;
}

// Per-column dequantization for columns [n0, n1): scale = sa * sw, offset = bias - za * scale * sum.
void dequant_columns(const LowpVariant& v, const LowpParams& p, int64_t n0, int64_t n1, float* scale,
                     float* offset) {
  const QuantizedB tail = quantized_b(v, p.k, p.n, p.packed_b);
  const float za = static_cast<float>(p.quantization.zero_point);
  for (int64_t j = n0; j < n1; ++j) {
    const float s = p.quantization.scale * tail.scales[j];
    scale[j - n0] = s;
    const float bias = p.epilogue.bias != nullptr ? p.epilogue.bias[j] : 0.0f;
    offset[j - n0] = bias - za * s * static_cast<float>(tail.column_sums[j]);
  }
}

struct AmxScope {
  AmxScope(bool on, Format format, int64_t k) : on_(on) {
    if (on_ && format == Format::kQu8) {
      amx_configure_qu8(k);
    } else if (on_) {
      amx_configure();
    }
  }
  ~AmxScope() {
    if (on_) amx_release();
  }
  bool on_;
};

// AMX (bf16 and qu8): the tiles' arithmetic is cheap next to converting A to bf16 or quantizing
// it to uint8, so tasks split M only, into whole 32-row tiles, and each A row is converted once
// (plan_tiles' N split for short M, e.g. bert_mini's 128 rows, made every task convert all of A).
// Fewer row tiles than threads keep plan_tiles' grid. Off AMX, plan_tiles' split with the rows
// shared evenly (gemm_block and the bf16-io kernels take any row range): bert_mini's 128 rows on
// a 14-row tile were chunks of 70 and 58.
f32_gemm::TileGrid task_grid(const LowpVariant& v, const LowpParams& p, int threads) {
  if (!v.amx) return f32_gemm::plan_gemm_tiles(tile_shape(v), p.m, p.n, p.k, threads);
  f32_gemm::TileGrid grid = f32_gemm::plan_tiles(tile_shape(v), p.m, p.n, p.k, threads);
  const int64_t m_tiles = (p.m + v.mr - 1) / v.mr;
  if (grid.m_tasks * grid.n_tasks == 1 || m_tiles < threads) return grid;
  // A few tasks per thread on large M, so a thread that falls behind can be helped.
  const int64_t split = std::min<int64_t>(m_tiles, m_tiles >= 8 * threads ? 4 * threads : threads);
  grid.m_chunk = (m_tiles + split - 1) / split * v.mr;
  grid.m_tasks = (p.m + grid.m_chunk - 1) / grid.m_chunk;
  grid.n_chunk = p.n;
  grid.n_tasks = 1;
  return grid;
}

}  // namespace

void gemm_block(const LowpVariant& v, const LowpParams& p, int64_t m0, int64_t m1, int64_t n0,
                int64_t n1) {
  assert(p.k >= 1 && (p.a != nullptr || p.a_u8 != nullptr) && p.packed_b != nullptr &&
         (p.c != nullptr || p.c_u8 != nullptr));
  assert((p.a_u8 == nullptr && p.c_u8 == nullptr && p.residual_u8 == nullptr) || v.format == Format::kQu8);
  assert(0 <= m0 && m0 < m1 && m1 <= p.m && 0 <= n0 && n0 < n1 && n1 <= p.n);
  assert(n0 % v.nr == 0 && p.lda >= p.k && p.ldc >= p.n);
  assert(p.epilogue.scale == 1.0f || p.epilogue.residual == nullptr);
  const int mr = v.mr, nr = v.nr;
  const bool quantized = v.format == Format::kQu8;
  const int64_t eb = element_bytes(v.format), kpad_total = padded_k(v, p.k);
  const int64_t kc = quantized ? kpad_total : v.kc;
  const int64_t mc = std::max<int64_t>(mr, v.mc / mr * mr);
  const Epilogue& ep = p.epilogue;
  const bool residual_in_c = ep.residual == p.c && ep.residual_stride == p.ldc;
  const float* residual = residual_in_c && !quantized ? nullptr : ep.residual;
  const bool has_epilogue = (!quantized && ep.bias != nullptr) || residual != nullptr || p.residual_u8 != nullptr ||
                            ep.activation != Activation::kNone || ep.scale != 1.0f;
  const int64_t block_rows = std::min(mc, (m1 - m0 + mr - 1) / mr * mr);
  const int64_t a_bytes = block_rows / mr * a_panel_bytes(v, std::min(kc, kpad_total));
  uint8_t* a_block = reinterpret_cast<uint8_t*>(f32_gemm::thread_scratch((a_bytes + 3) / 4, 0));
  float* scale = nullptr;
  float* offset = nullptr;
  int32_t* acc_tile = nullptr;
  float* row_buffer = nullptr;
  float* residual_buffer = nullptr;
  if (quantized) {
    const int64_t columns = n1 - n0;
    float* columns_scratch = f32_gemm::thread_scratch(static_cast<size_t>(2 * columns + 16), 2);
    scale = columns_scratch, offset = columns_scratch + columns;
    dequant_columns(v, p, n0, n1, scale, offset);
    float* tile_scratch = f32_gemm::thread_scratch(static_cast<size_t>(mr * nr + 2 * nr), 3);
    acc_tile = reinterpret_cast<int32_t*>(tile_scratch);
    row_buffer = tile_scratch + mr * nr;
    residual_buffer = row_buffer + nr;
  }
  assert(a_block != nullptr);
  // qu8 rows take one AVX-512 pass from int32 sums to the output (unless the epilogue scales).
  RowFinish finish{};
  finish.output = p.output;
  finish.residual_grid = p.residual_grid;
  const bool one_pass = quantized && static_cast<int>(v.isa) >= static_cast<int>(Isa::kAvx512) && finishable(ep, &finish);
  if (one_pass && p.c_u8 != nullptr) prepare_requantize(&finish);
  // Tiles finished in registers; uint8 A with whole k quads is read in place, without packing.
  const bool fused = one_pass && v.fused != nullptr;
  // AMX tiles load 16 whole rows of min(K, 64) bytes (rounded up to 4) per step: in place when
  // every step stays inside the row; a block's last, partial panel of rows is packed.
  const bool whole_quads = p.k % 4 == 0 || p.a_u8_padded;
  const bool in_place = fused && p.a_u8 != nullptr && whole_quads && (!v.amx || p.k % 64 == 0 || p.k < 64);
  AmxScope amx(v.amx, v.format, p.k);
  for (int64_t pc = 0; pc < p.k; pc += kc) {
    const int64_t kb = std::min(kc, p.k - pc);
    const int64_t kb_pad = (kb + v.k_align - 1) / v.k_align * v.k_align;
    const bool accumulate = pc > 0 || (residual_in_c && !quantized);
    const bool last = pc + kb == p.k;
    for (int64_t ic = m0; ic < m1; ic += mc) {
      const int64_t mb = std::min(mc, m1 - ic);
      const int64_t whole_rows = v.amx ? mb / mr * mr : mb;  // rows read in place
      if (in_place && whole_rows < mb) {
        pack_a_u8_ready(v, p.a_u8 + (ic + whole_rows) * p.lda + pc, p.lda, mb - whole_rows, kb, a_block);
      } else if (in_place) {
        // A is read from p.a_u8 by the fused tiles below.
      } else if (p.a_u8 != nullptr) {
        pack_a_u8_ready(v, p.a_u8 + ic * p.lda + pc, p.lda, mb, kb, a_block);
      } else {
        v.pack_a(p.a + ic * p.lda + pc, p.lda, mb, kb, mr, p.quantization, a_block);
      }
      for (int64_t jc = n0; jc < n1; jc += nr) {
        const int64_t nb = std::min<int64_t>(nr, n1 - jc);
        const uint8_t* b_panel = static_cast<const uint8_t*>(p.packed_b) +
                                 ((jc / nr) * kpad_total * nr + pc * nr) * eb;
        for (int64_t ir = 0; ir < mb; ir += mr) {
          const int64_t rows = std::min<int64_t>(mr, mb - ir);
          const uint8_t* a_panel = a_block + ir / mr * a_panel_bytes(v, kb_pad);
          if (fused) {
            FusedTile tile;
            if (in_place && ir >= whole_rows) {  // AMX: the packed partial panel
              tile.a = a_block, tile.a_row_stride = kb_pad, tile.a_quad_stride = 4;
            } else if (in_place) {
              tile.a = p.a_u8 + (ic + ir) * p.lda + pc, tile.a_row_stride = p.lda, tile.a_quad_stride = 4;
            } else if (v.amx) {  // [mr][kb_pad] rows
              tile.a = a_panel, tile.a_row_stride = kb_pad, tile.a_quad_stride = 4;
            } else {
              tile.a = a_panel, tile.a_row_stride = 4, tile.a_quad_stride = 4 * mr;
            }
            tile.scale = scale + (jc - n0), tile.offset = offset + (jc - n0);
            const int64_t first = (ic + ir) * ep.residual_stride + jc;
            tile.residual = residual != nullptr ? residual + first : nullptr;
            tile.residual_u8 = p.residual_u8 != nullptr ? p.residual_u8 + first : nullptr;
            tile.residual_stride = ep.residual_stride;
            const int64_t c_offset = (ic + ir) * p.ldc + jc;
            tile.c = p.c_u8 != nullptr ? nullptr : p.c + c_offset;
            tile.c_u8 = p.c_u8 != nullptr ? p.c_u8 + c_offset : nullptr;
            tile.ldc = p.ldc;
            v.fused(kb_pad, tile, b_panel, rows, nb, finish);
            continue;
          }
          if (quantized) {
            v.ukernel(kb_pad, a_panel, b_panel, acc_tile, nr, rows, nb, false);
            for (int64_t i = 0; i < rows; ++i) {
              const int64_t c_offset = (ic + ir + i) * p.ldc + jc;
              const float* res =
                  residual != nullptr ? residual + (ic + ir + i) * ep.residual_stride + jc : nullptr;
              const uint8_t* res_u8 =
                  p.residual_u8 != nullptr ? p.residual_u8 + (ic + ir + i) * ep.residual_stride + jc : nullptr;
              if (one_pass) {
                finish_row_qu8__avx512(acc_tile + i * nr, nb, scale + (jc - n0), offset + (jc - n0), res, res_u8,
                                       finish, p.c_u8 != nullptr ? nullptr : p.c + c_offset,
                                       p.c_u8 != nullptr ? p.c_u8 + c_offset : nullptr);
                continue;
              }
              if (res_u8 != nullptr) {
                dequantize_row_u8(res_u8, nb, p.residual_grid, residual_buffer);
                res = residual_buffer;
              }
              const bool buffered = has_epilogue || p.c_u8 != nullptr;
              float* out = buffered ? row_buffer : p.c + c_offset;
              v.dequant_row(acc_tile + i * nr, nb, scale + (jc - n0), offset + (jc - n0), out);
              if (has_epilogue) v.epilogue_row(row_buffer, nb, nullptr, res, ep);
              if (p.c_u8 != nullptr) {
                requantize_row_u8_for(v.isa, row_buffer, nb, p.output, p.c_u8 + c_offset);
              } else if (has_epilogue) {
                std::memcpy(p.c + c_offset, row_buffer, sizeof(float) * nb);
              }
            }
            continue;
          }
          float* c_tile = p.c + (ic + ir) * p.ldc + jc;
          v.ukernel(kb_pad, a_panel, b_panel, c_tile, p.ldc, rows, nb, accumulate);
          if (last && has_epilogue) {
            const float* bias = ep.bias != nullptr ? ep.bias + jc : nullptr;
            for (int64_t i = 0; i < rows; ++i) {
              const float* res =
                  residual != nullptr ? residual + (ic + ir + i) * ep.residual_stride + jc : nullptr;
              v.epilogue_row(c_tile + i * p.ldc, nb, bias, res, ep);
            }
          }
        }
      }
    }
  }
}

void gemm(const LowpVariant& v, const LowpParams& p, ThreadPool* pool) {
  assert(p.m >= 1 && p.n >= 1 && p.k >= 1);
  const int threads = pool != nullptr ? pool->size() : 1;
  const f32_gemm::TileGrid grid = task_grid(v, p, threads);
  const int64_t tasks = grid.m_tasks * grid.n_tasks;
  // bf16 variants with a bf16-io kernel finish each tile in registers from fp32 A and C too
  // (AMX: bf16_gemm_io__amx; AVX512-BF16: bf16_gemm_io__avx512bf16, which reads A unpacked).
  const bool io = v.io != nullptr;
  auto run = [&](int64_t task) {
    const int64_t m0 = task / grid.n_tasks * grid.m_chunk, m1 = std::min(p.m, m0 + grid.m_chunk);
    const int64_t n0 = task % grid.n_tasks * grid.n_chunk, n1 = std::min(p.n, n0 + grid.n_chunk);
    if (io) {
      v.io(v, p, Bf16Io{}, m0, m1, n0, n1);
    } else {
      gemm_block(v, p, m0, m1, n0, n1);
    }
  };
  if (tasks == 1 || pool == nullptr) {
    for (int64_t task = 0; task < tasks; ++task) run(task);
    return;
  }
  pool->parallel_for(tasks, run);
}

}  // namespace kiln::lowp_gemm

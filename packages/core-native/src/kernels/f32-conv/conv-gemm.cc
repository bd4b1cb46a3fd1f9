// GEMM-based Conv2D over NHWC: per group, C[rows, out_c/g] = A[rows, kh*kw*in_c/g] · W_g with A
// either the input itself (1x1, stride 1, no padding) or an im2col block of output rows.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "conv-gemm.h"
#include "kernels/f32-gemm/scratch.h"
#include "runtime/thread_pool.h"

namespace kiln::f32_conv {
namespace {

using f32_gemm::GemmVariant;

int64_t group_packed_floats(const GemmVariant& gemm, int64_t k, int64_t n) {
  return (static_cast<int64_t>(f32_gemm::packed_b_size(gemm, k, n)) + 15) / 16 * 16;
}

// Convolution as an indirect GEMM: per block of MR output pixels, a table of pointers to the
// input each tap reads (or a zero row for padding); the indirect microkernel walks the table with
// the weights packed exactly as for im2col (k = (kh, kw, ci)). Without groups and dilation along
// W, the kw taps of one kernel row are kw*C contiguous floats of the NHWC input, so a table entry
// covers a whole kernel row (3x fewer entries for 3x3; for 3-channel stem convolutions the
// difference between 3-float and 9-float inner loops). Pixels whose kernel row leaves the image
// sideways get that row assembled, zero-padded, in a small per-thread buffer. Taps that are
// padding for the whole block are marked null and skipped, as a direct convolution would.
// A task's weights beyond this many bytes (more than L2 holds next to the rows) are swept panel
// by panel over all its row tiles, each panel read from memory once: ResNet-50's 3x3 convs at
// 7x7 (9.4 MB of weights, 4 row tiles) read all their weights once per row tile, four times from
// memory when the network's 98 MB of weights no longer fit in L3 (1.8-2.0 ms against 1.4-1.5 with
// them in L3, on an Intel Xeon with AMX at 1 thread).
constexpr int64_t kPanelsOuterBytes = 1 << 20;

void conv_indirect_run(const GemmVariant& gemm, const ConvShape& s, const ConvParams& p,
                       ThreadPool* pool) {
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t k = s.kernel_h * s.kernel_w * cin_g;
  const bool rows_merged = s.groups == 1 && s.dilation_w == 1;
  const int64_t taps = rows_merged ? s.kernel_h : s.kernel_h * s.kernel_w;
  const int64_t span = rows_merged ? s.kernel_w * cin_g : cin_g;  // floats per table entry
  const int64_t oh_count = s.out_h(), ow_count = s.out_w();
  const int64_t m = s.batch * oh_count * ow_count;
  const int64_t group_floats = group_packed_floats(gemm, k, cout_g);
  const int mr = gemm.mr, nr = gemm.nr;
  const int threads = pool != nullptr ? pool->size() : 1;
  const f32_gemm::TileGrid grid = f32_gemm::plan_tiles(gemm, m, cout_g, k, s.groups > 1 ? 1 : threads);
  const Epilogue& ep = p.epilogue;
  const int64_t ldc = p.output_stride > 0 ? p.output_stride : s.out_c;
  // A residual that is the output buffer itself folds into the accumulation.
  const bool residual_in_c = ep.residual != nullptr && ep.residual == p.output && ldc == s.out_c;
  const float* residual = residual_in_c ? nullptr : ep.residual;
  const bool has_epilogue = ep.bias != nullptr || residual != nullptr || ep.activation != f32_gemm::Activation::kNone;
  const int64_t tasks_per_group = grid.m_tasks * grid.n_tasks;
  auto run = [&](int64_t task) {
    const int64_t g = task / tasks_per_group, t = task % tasks_per_group;
    const int64_t m0 = t / grid.n_tasks * grid.m_chunk, m1 = std::min(m, m0 + grid.m_chunk);
    const int64_t n0 = t % grid.n_tasks * grid.n_chunk, n1 = std::min(cout_g, n0 + grid.n_chunk);
    float* zeros = f32_gemm::thread_scratch(static_cast<size_t>(span), 1);
    assert(zeros != nullptr);
    std::memset(zeros, 0, sizeof(float) * span);
    const int64_t tiles = (m1 - m0 + mr - 1) / mr;
    // Row tiles whose tables are filled together and then swept panel by panel: all of the task's
    // when its weights are past kPanelsOuterBytes (each panel read from memory once), else one.
    const bool panels_outer = k * (n1 - n0) * static_cast<int64_t>(sizeof(float)) > kPanelsOuterBytes;
    const int64_t sweep_tiles = panels_outer ? tiles : 1;
    const size_t table_floats = static_cast<size_t>(mr * taps * span);
    thread_local std::vector<const float*> table;
    thread_local std::vector<float> clipped;  // kernel rows of pixels at the left/right edges
    table.resize(static_cast<size_t>(sweep_tiles * taps * mr));
    if (rows_merged) clipped.resize(static_cast<size_t>(sweep_tiles) * table_floats);
    // Output pixel (n, oh, ow) of row0, advanced one pixel at a time below.
    int64_t ow = m0 % ow_count, oh = m0 / ow_count % oh_count, n = m0 / ow_count / oh_count;
    // Fills the table of the tile whose first row is row0 (entries [t * mr + i], tap t, row i).
    auto fill_table = [&](int64_t row0, const float** entries, float* assembled_rows) {
      const int64_t rows = std::min<int64_t>(mr, m1 - row0);
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t ih0 = oh * s.stride_h - s.pad_top, iw0 = ow * s.stride_w - s.pad_left;
        const float* base = p.input + ((n * s.in_h + ih0) * s.in_w + iw0) * s.in_c + g * cin_g;
        const bool inside_w = iw0 >= 0 && iw0 + (s.kernel_w - 1) * s.dilation_w < s.in_w;
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
          const int64_t ih = ih0 + kh * s.dilation_h;
          const bool inside_h = ih >= 0 && ih < s.in_h;
          const float* row = base + kh * s.dilation_h * s.in_w * s.in_c;
          if (rows_merged) {
            const float* entry = zeros;
            if (inside_h && inside_w) {
              entry = row;
            } else if (inside_h) {
              float* assembled = assembled_rows + (i * taps + kh) * span;
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t iw = iw0 + kw;
                if (iw >= 0 && iw < s.in_w) std::memcpy(assembled + kw * cin_g, row + kw * s.in_c, sizeof(float) * cin_g);
                else std::memset(assembled + kw * cin_g, 0, sizeof(float) * cin_g);
              }
              entry = assembled;
            }
            entries[kh * mr + i] = entry;
            continue;
          }
          for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
            const int64_t iw = iw0 + kw * s.dilation_w;
            const bool inside = inside_h && iw >= 0 && iw < s.in_w;
            entries[(kh * s.kernel_w + kw) * mr + i] = inside ? row + kw * s.dilation_w * s.in_c : zeros;
          }
        }
        if (++ow == ow_count) {
          ow = 0;
          if (++oh == oh_count) oh = 0, ++n;
        }
      }
      // A tap that is padding for every pixel of the block is skipped by the microkernel:
      // dilated convolutions on small maps (DeepLab's atrous convolutions) and the border rows.
      for (int64_t tap = 0; tap < taps; ++tap) {
        const float** tap_entries = entries + tap * mr;
        if (std::all_of(tap_entries, tap_entries + rows, [zeros](const float* entry) { return entry == zeros; })) tap_entries[0] = nullptr;
      }
    };
    auto run_tile = [&](int64_t row0, const float* const* entries, int64_t jc) {
      const int64_t rows = std::min<int64_t>(mr, m1 - row0);
      const int64_t nb = std::min<int64_t>(nr, n1 - jc);
      const float* panel = p.packed_weights + g * group_floats + (jc / nr) * k * nr;
      const int64_t column = g * cout_g + jc;
      f32_gemm::TileEpilogue tile{&ep, ep.bias != nullptr ? ep.bias + column : nullptr,
                                  residual != nullptr ? residual + row0 * s.out_c + column : nullptr,
                                  s.out_c};
      gemm.indirect(taps, entries, span, panel, p.output + row0 * ldc + column, ldc, rows, nb,
                    residual_in_c, has_epilogue ? &tile : nullptr);
    };
    for (int64_t first = 0; first < tiles; first += sweep_tiles) {
      const int64_t last = std::min(tiles, first + sweep_tiles);
      for (int64_t r = first; r < last; ++r) {
        fill_table(m0 + r * mr, table.data() + (r - first) * taps * mr, rows_merged ? clipped.data() + (r - first) * table_floats : nullptr);
      }
      for (int64_t jc = n0; jc < n1; jc += nr) {
        for (int64_t r = first; r < last; ++r) run_tile(m0 + r * mr, table.data() + (r - first) * taps * mr, jc);
      }
    }
  };
  const int64_t tasks = s.groups * tasks_per_group;
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run(task);
  } else {
    pool->parallel_for(tasks, run);
  }
}

}  // namespace

bool is_gemm_direct(const ConvShape& s) {
  return s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 &&
         s.pad_top == 0 && s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0;
}

void im2col(const ConvShape& s, const float* input, int64_t g, int64_t row0, int64_t rows,
            float* col) {
  const int64_t oh_count = s.out_h(), ow_count = s.out_w();
  const int64_t cin_g = s.in_c / s.groups;
  const int64_t k = s.kernel_h * s.kernel_w * cin_g;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t row = row0 + r;
    const int64_t ow = row % ow_count, oh = row / ow_count % oh_count, n = row / ow_count / oh_count;
    float* dst = col + r * k;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      for (int64_t kw = 0; kw < s.kernel_w; ++kw, dst += cin_g) {
        const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
        if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) {
          std::memset(dst, 0, sizeof(float) * cin_g);
        } else {
          const float* src = input + ((n * s.in_h + ih) * s.in_w + iw) * s.in_c + g * cin_g;
          std::memcpy(dst, src, sizeof(float) * cin_g);
        }
      }
    }
  }
}

void gemm_weights(const ConvShape& s, const float* weights_oihw, int64_t g, float* b) {
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t taps = s.kernel_h * s.kernel_w;
  const float* wg = weights_oihw + g * cout_g * cin_g * taps;
  for (int64_t co = 0; co < cout_g; ++co) {
    for (int64_t ci = 0; ci < cin_g; ++ci) {
      for (int64_t tap = 0; tap < taps; ++tap) {
        b[(tap * cin_g + ci) * cout_g + co] = wg[(co * cin_g + ci) * taps + tap];
      }
    }
  }
}

size_t conv_gemm_packed_size(const GemmVariant& gemm, const ConvShape& s) {
  assert(s.valid());
  const int64_t k = s.kernel_h * s.kernel_w * (s.in_c / s.groups);
  return static_cast<size_t>(s.groups * group_packed_floats(gemm, k, s.out_c / s.groups));
}

void conv_gemm_pack(const GemmVariant& gemm, const ConvShape& s, const float* weights,
                    float* packed) {
  assert(s.valid() && weights != nullptr && packed != nullptr);
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t taps = s.kernel_h * s.kernel_w, k = taps * cin_g;
  const int64_t group_floats = group_packed_floats(gemm, k, cout_g);
  std::vector<float> b(static_cast<size_t>(k * cout_g));
  for (int64_t g = 0; g < s.groups; ++g) {
    gemm_weights(s, weights, g, b.data());
    f32_gemm::pack_b(gemm, k, cout_g, b.data(), cout_g, 1, packed + g * group_floats);
  }
}

void conv_gemm_run(const GemmVariant& gemm, const ConvShape& s, const ConvParams& p,
                   ThreadPool* pool) {
  assert(s.valid() && p.input != nullptr && p.packed_weights != nullptr && p.output != nullptr);
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t k = s.kernel_h * s.kernel_w * cin_g;
  const int64_t m = s.batch * s.out_h() * s.out_w();
  const int64_t group_floats = group_packed_floats(gemm, k, cout_g);
  const int64_t ldc = p.output_stride > 0 ? p.output_stride : s.out_c;
  const bool direct = is_gemm_direct(s);
  if (!direct && gemm.indirect != nullptr && !p.force_im2col) {
    conv_indirect_run(gemm, s, p, pool);
    return;
  }
  const int threads = pool != nullptr ? pool->size() : 1;
  // A direct 1x1 conv reads A in place, so its row chunks need not be whole tiles: share the
  // rows evenly (squeezenet1_1's classifier, 169 rows over 4 tasks: 43 each, not 48 48 48 25).
  f32_gemm::TileGrid grid = direct ? f32_gemm::plan_gemm_tiles(gemm, m, cout_g, k, s.groups > 1 ? 1 : threads)
                                   : f32_gemm::plan_tiles(gemm, m, cout_g, k, s.groups > 1 ? 1 : threads);
  if (!direct) {
    // Keep each task's im2col block around 256 KiB so it stays in L2 next to the B panels.
    const int64_t max_rows = std::max<int64_t>(gemm.mr, (65536 / k) / gemm.mr * gemm.mr);
    if (grid.m_chunk > max_rows) {
      grid.m_chunk = max_rows;
      grid.m_tasks = (m + max_rows - 1) / max_rows;
    }
  }
  const int64_t tasks_per_group = grid.m_tasks * grid.n_tasks;
  auto run = [&](int64_t task) {
    const int64_t g = task / tasks_per_group, t = task % tasks_per_group;
    const int64_t m0 = t / grid.n_tasks * grid.m_chunk;
    const int64_t n0 = t % grid.n_tasks * grid.n_chunk;
    const int64_t rows = std::min(grid.m_chunk, m - m0);
    f32_gemm::GemmParams gp;
    gp.m = rows, gp.n = cout_g, gp.k = k;
    gp.a_path = p.a_path;
    if (direct) {
      gp.a = p.input + m0 * s.in_c + g * cin_g;
      gp.lda = s.in_c;
    } else {
      float* col = f32_gemm::thread_scratch(static_cast<size_t>(rows * k), 1);
      assert(col != nullptr);
      im2col(s, p.input, g, m0, rows, col);
      gp.a = col;
      gp.lda = k;
    }
    gp.packed_b = p.packed_weights + g * group_floats;
    gp.c = p.output + m0 * ldc + g * cout_g;
    gp.ldc = ldc;
    gp.epilogue = p.epilogue;
    if (p.epilogue.bias != nullptr) gp.epilogue.bias = p.epilogue.bias + g * cout_g;
    if (p.epilogue.residual != nullptr) {
      gp.epilogue.residual = p.epilogue.residual + m0 * s.out_c + g * cout_g;
      gp.epilogue.residual_stride = s.out_c;
    }
    f32_gemm::gemm_block(gemm, gp, 0, rows, n0, std::min(cout_g, n0 + grid.n_chunk));
  };
  const int64_t tasks = s.groups * tasks_per_group;
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run(task);
  } else {
    pool->parallel_for(tasks, run);
  }
}

}  // namespace kiln::f32_conv

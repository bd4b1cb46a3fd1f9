// Winograd Conv2D driver (see winograd.h): weight transform and packing, and the run over blocks
// of tiles: input transform -> one GEMM per transform point -> output transform + epilogue.
#include "winograd.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/f32-gemm/scratch.h"
#include "kernels/lowp-gemm/bf16_io.h"
#include "runtime/thread_pool.h"

namespace kiln::f32_conv {
namespace {

using f32_gemm::GemmVariant;

// G of F(4x4, 3x3) and F(2x2, 3x3) (Lavin & Gray, interpolation points 0, ±1, ±2 and 0, ±1).
constexpr double kG4[6][3] = {{1.0 / 4, 0, 0},
                              {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                              {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                              {1.0 / 24, 1.0 / 12, 1.0 / 6},
                              {1.0 / 24, -1.0 / 12, 1.0 / 6},
                              {0, 0, 1}};
constexpr double kG2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

// Transformed input and products of one block (reused block after block) stay in L2 next to the
// weights. In a network the scratch starts cold: squeezenet1_1's expand3x3 layers took 0.81-0.87x
// im2col's time with 1 MiB blocks and 0.66-0.78x with 256 KiB (per-layer medians in the model,
// runs interleaved with an im2col plan, busy machine).
constexpr int64_t kBlockBytes = 1 << 18;

int64_t point_floats(const GemmVariant& gemm, const ConvShape& s) {
  return (static_cast<int64_t>(f32_gemm::packed_b_size(gemm, s.in_c, s.out_c)) + 15) / 16 * 16;
}

// How a run splits its work: blocks of `block` tiles, each optionally split into n_tasks column
// ranges of n_chunk output channels (multiples of the GEMM's NR).
struct WinogradGrid {
  int64_t block, tile_tasks, n_tasks, n_chunk;
};

// Whether threads share a run's output channels instead of its tiles. Sharing tiles keeps each
// thread on its own rows of the map, which it mostly wrote itself in the layer before, and
// transforms each tile once; sharing channels halves the weights each thread reads. Channels win
// only when a thread's share of tiles is too few GEMM rows to amortize reading all the weights:
// fewer than 3 tiles, or fewer than MR/2 when the weights are too large for a server's L3 (so
// both threads would stream them from memory). Measured at 2 threads on Zen 4, each layer after a
// 1x1 conv (per-layer minima, tiles split / channels split):
//   squeezenet1_1 27x27x32->128 F(4x4), 25 tiles each: 0.116 / 0.178 ms
//   14x14x256 F(4x4), 9.4 MiB of weights, 8 tiles each: 0.58 / 0.78 ms
//   14x14x512 F(4x4), 37.7 MiB of weights, 8 tiles each: 2.32 / 3.80 ms
//   12x12x512 F(4x4), 37.7 MiB of weights, 5 tiles each: 1.80 / 1.57 ms
//   7x7x512 F(2x2), 16.8 MiB of weights, 8 tiles each: 0.92 / 1.37 ms
//   ResNet-50's 7x7x512 F(4x4), 2 tiles each: 1.62 / 1.20 ms; 7x7x128, 2 tiles each: 0.041 / 0.036
// (Before, channels were shared whenever a thread had fewer than 2 MR tiles: every case above.)
constexpr int64_t kStreamedWeightBytes = int64_t{24} << 20;

bool split_channels(const GemmVariant& gemm, int points, int64_t tiles, int64_t c, int64_t oc,
                    int threads) {
  const int64_t per_thread = (tiles + threads - 1) / threads;
  const int64_t weight_bytes = static_cast<int64_t>(points) * c * oc * static_cast<int64_t>(sizeof(float));
  return per_thread < 3 || (per_thread < gemm.mr / 2 && weight_bytes > kStreamedWeightBytes);
}

WinogradGrid plan_blocks(const GemmVariant& gemm, int points, int64_t tiles, int64_t c, int64_t oc,
                         int threads) {
  // One thread: blocks of a multiple of MR tiles whose data fits kBlockBytes.
  const int64_t per_tile = points * (c + oc) * static_cast<int64_t>(sizeof(float));
  const int64_t l2_block = std::max<int64_t>(gemm.mr, kBlockBytes / per_tile / gemm.mr * gemm.mr);
  WinogradGrid grid{std::min(l2_block, tiles), 0, 1, oc};
  const int64_t panels = (oc + gemm.nr - 1) / gemm.nr;
  if (threads > 1 && panels >= threads && split_channels(gemm, points, tiles, c, oc, threads)) {
    // Every thread transforms the same tiles and takes a share of the output channels, so each
    // reads only its share of the weights.
    grid.n_tasks = threads;
    grid.n_chunk = (panels + threads - 1) / threads * gemm.nr;
    grid.n_tasks = (oc + grid.n_chunk - 1) / grid.n_chunk;
  } else if (threads > 1) {
    // Equal blocks, a multiple of the thread count of them.
    int64_t blocks = (tiles + l2_block - 1) / l2_block;
    blocks = (blocks + threads - 1) / threads * threads;
    grid.block = std::max<int64_t>(1, (tiles + blocks - 1) / blocks);
  }
  grid.tile_tasks = (tiles + grid.block - 1) / grid.block;
  return grid;
}

double g_at(int tile, int row, int col) { return tile == 4 ? kG4[row][col] : kG2[row][col]; }

}  // namespace

bool winograd_applies(const ConvShape& s) {
  return s.valid() && s.groups == 1 && s.kernel_h == 3 && s.kernel_w == 3 && s.stride_h == 1 &&
         s.stride_w == 1 && s.dilation_h == 1 && s.dilation_w == 1;
}

size_t winograd_packed_size(const GemmVariant& gemm, int tile, const ConvShape& s) {
  assert(winograd_applies(s) && (tile == 4 || tile == 2));
  const int64_t points = (tile + 2) * (tile + 2);
  return static_cast<size_t>(points * point_floats(gemm, s));
}

void winograd_pack(const GemmVariant& gemm, int tile, const ConvShape& s, const float* weights,
                   float* packed) {
  assert(winograd_applies(s) && (tile == 4 || tile == 2) && weights != nullptr && packed != nullptr);
  const int a = tile + 2, points = a * a;
  const int64_t c = s.in_c, oc = s.out_c;
  // u[p][ci][co] = (G g G^T)[p] for the 3x3 filter g of (co, ci), in double.
  std::vector<float> u(static_cast<size_t>(points * c * oc));
  for (int64_t co = 0; co < oc; ++co) {
    for (int64_t ci = 0; ci < c; ++ci) {
      const float* g = weights + (co * c + ci) * 9;
      double gg[6][3];  // G g
      for (int i = 0; i < a; ++i) {
        for (int j = 0; j < 3; ++j) {
          double sum = 0;
          for (int k = 0; k < 3; ++k) sum += g_at(tile, i, k) * g[k * 3 + j];
          gg[i][j] = sum;
        }
      }
      for (int i = 0; i < a; ++i) {
        for (int j = 0; j < a; ++j) {
          double sum = 0;
          for (int k = 0; k < 3; ++k) sum += gg[i][k] * g_at(tile, j, k);
          u[static_cast<size_t>(((i * a + j) * c + ci) * oc + co)] = static_cast<float>(sum);
        }
      }
    }
  }
  const int64_t stride = point_floats(gemm, s);
  for (int p = 0; p < points; ++p) {
    f32_gemm::pack_b(gemm, c, oc, u.data() + p * c * oc, oc, 1, packed + p * stride);
  }
}

void winograd_run(const GemmVariant& gemm, const WinogradTransforms& tf, const ConvShape& s,
                  const ConvParams& p, ThreadPool* pool) {
  assert(winograd_applies(s) && (p.input != nullptr || p.input_bf16 != nullptr) && p.packed_weights != nullptr &&
         (p.output != nullptr || p.output_bf16 != nullptr));
  const int m = tf.tile, a = m + 2, points = a * a;
  const int64_t c = s.in_c, oc = s.out_c, oh = s.out_h(), ow = s.out_w();
  const int64_t tiles_h = (oh + m - 1) / m, tiles_w = (ow + m - 1) / m;
  const int64_t tiles = s.batch * tiles_h * tiles_w;
  const int64_t ldc = p.output_stride > 0 ? p.output_stride : oc;
  const int64_t weight_stride = point_floats(gemm, s);
  const Epilogue& ep = p.epilogue;
  // Bias with no activation, ReLU or Clip is applied by the output transform, which then stores
  // straight into the output; other epilogues (and residuals) run after it on a tile buffer.
  const bool clamp = ep.activation == f32_gemm::Activation::kRelu || ep.activation == f32_gemm::Activation::kClip;
  const bool bf16_output = p.output_bf16 != nullptr, bf16_residual = p.residual_bf16 != nullptr;
  const bool transform_epilogue = ep.residual == nullptr && !bf16_residual && (clamp || ep.activation == f32_gemm::Activation::kNone);
  const bool in_transform = transform_epilogue && !bf16_output;
  const float lo = ep.activation == f32_gemm::Activation::kClip ? ep.alpha : 0.0f;
  const float hi = ep.activation == f32_gemm::Activation::kClip ? ep.beta : std::numeric_limits<float>::infinity();
  const WinogradGrid grid = plan_blocks(gemm, points, tiles, c, oc, pool != nullptr ? pool->size() : 1);
  const int64_t block = grid.block;
  const int64_t zeros_floats = (c + 15) / 16 * 16;
  auto run = [&](int64_t task) {
    const int64_t t0 = task / grid.n_tasks * block, count = std::min(block, tiles - t0);
    const int64_t n0 = task % grid.n_tasks * grid.n_chunk, n1 = std::min(oc, n0 + grid.n_chunk);
    float* v = f32_gemm::thread_scratch(static_cast<size_t>(points * block * c), 1);
    float* products = f32_gemm::thread_scratch(static_cast<size_t>(points * block * oc), 2);
    // Slot 3: a row of zeros, the output tile, and with bf16 tensors the tile's widened input
    // pixels and one widened residual row.
    const int64_t wide_floats = p.input_bf16 != nullptr ? a * a * c : 0;
    float* zeros = f32_gemm::thread_scratch(static_cast<size_t>(zeros_floats + m * m * oc + wide_floats + oc), 3);
    assert(v != nullptr && products != nullptr && zeros != nullptr);
    float* out_tile = zeros + zeros_floats;
    float* wide = out_tile + m * m * oc;
    float* residual_row = wide + wide_floats;
    std::memset(zeros, 0, sizeof(float) * c);
    const float* pixels[36];
    for (int64_t i = 0; i < count; ++i) {
      const int64_t t = t0 + i, n = t / (tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
      const int64_t ih0 = ty * m - s.pad_top, iw0 = tx * m - s.pad_left;
      for (int r = 0; r < a; ++r) {
        const int64_t ih = ih0 + r;
        const int64_t row = (n * s.in_h + ih) * s.in_w;
        // bf16 input: the row's pixels inside the image widened with one call (a whole tile row
        // when it lies inside), so the conversion costs no call per pixel.
        if (p.input_bf16 != nullptr && ih >= 0 && ih < s.in_h) {
          const int64_t first = std::max<int64_t>(0, -iw0), last = std::min<int64_t>(a, s.in_w - iw0);
          if (first < last) {
            lowp_gemm::widen_bf16(p.input_bf16 + (row + iw0 + first) * c, (last - first) * c, wide + (r * a + first) * c, nullptr);
          }
        }
        for (int q = 0; q < a; ++q) {
          const int64_t iw = iw0 + q;
          const bool inside = ih >= 0 && ih < s.in_h && iw >= 0 && iw < s.in_w;
          if (!inside) {
            pixels[r * a + q] = zeros;
          } else {
            pixels[r * a + q] = p.input_bf16 != nullptr ? wide + (r * a + q) * c : p.input + (row + iw) * c;
          }
        }
      }
      tf.input(pixels, c, v + i * c, block * c);
    }
    for (int pt = 0; pt < points; ++pt) {
      f32_gemm::GemmParams gp;
      gp.m = count, gp.n = oc, gp.k = c;
      gp.a = v + pt * block * c;
      gp.lda = c;
      gp.packed_b = p.packed_weights + pt * weight_stride;
      gp.c = products + pt * block * oc;
      gp.ldc = oc;
      gp.a_path = p.a_path;
      f32_gemm::gemm_block(gemm, gp, 0, count, n0, n1);
    }
    const float* bias = ep.bias != nullptr ? ep.bias + n0 : nullptr;
    for (int64_t i = 0; i < count; ++i) {
      const int64_t t = t0 + i, n = t / (tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
      const int rows = static_cast<int>(std::min<int64_t>(m, oh - ty * m));
      const int cols = static_cast<int>(std::min<int64_t>(m, ow - tx * m));
      const int64_t corner = (n * oh + ty * m) * ow + tx * m;  // the tile's first output pixel
      const float* in = products + i * oc + n0;
      if (in_transform) {
        tf.output(in, block * oc, n1 - n0, {p.output + corner * ldc + n0, ow * ldc, ldc, rows, cols, bias, clamp, lo, hi});
        continue;
      }
      if (bf16_output && transform_epilogue) {
        // The same finish in the transform, into the tile buffer, then one rounding per value.
        tf.output(in, block * oc, n1 - n0, {out_tile + n0, m * oc, oc, rows, cols, bias, clamp, lo, hi});
        const bool dense = ldc == oc && n0 == 0 && n1 == oc;
        for (int r = 0; r < rows; ++r) {
          uint16_t* row = p.output_bf16 + (corner + r * ow) * ldc + n0;
          if (dense) {
            lowp_gemm::narrow_bf16(out_tile + r * m * oc, cols * oc, row, nullptr);
            continue;
          }
          for (int q = 0; q < cols; ++q) lowp_gemm::narrow_bf16(out_tile + (r * m + q) * oc + n0, n1 - n0, row + q * ldc, nullptr);
        }
        continue;
      }
      tf.output(in, block * oc, n1 - n0, {out_tile + n0, m * oc, oc, rows, cols, nullptr, false, 0.0f, 0.0f});
      for (int r = 0; r < rows; ++r) {
        for (int q = 0; q < cols; ++q) {
          const int64_t pixel = corner + r * ow + q;
          float* result = out_tile + (r * m + q) * oc + n0;
          // The residual is read before the output is written, so it may alias the output.
          const float* residual = ep.residual != nullptr ? ep.residual + pixel * oc + n0 : nullptr;
          if (bf16_residual) {
            lowp_gemm::widen_bf16(p.residual_bf16 + pixel * oc + n0, n1 - n0, residual_row, nullptr);
            residual = residual_row;
          }
          gemm.epilogue_row(result, n1 - n0, bias, residual, ep);
          if (bf16_output) {
            lowp_gemm::narrow_bf16(result, n1 - n0, p.output_bf16 + pixel * ldc + n0, nullptr);
          } else {
            std::memcpy(p.output + pixel * ldc + n0, result, sizeof(float) * (n1 - n0));
          }
        }
      }
    }
  };
  const int64_t tasks = grid.tile_tasks * grid.n_tasks;
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run(task);
  } else {
    pool->parallel_for(tasks, run);
  }
}

}  // namespace kiln::f32_conv

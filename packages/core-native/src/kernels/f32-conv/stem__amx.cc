// bf16_conv_nchw_32x32__amx: the NCHW-input stem on AMX tiles (stem.h). Per output row, each
// input row under a tap row (kh) is rounded to bf16 once and laid out pixel by pixel, 4 channels
// per pixel (zero past in_c and in the padding): a "quad row". The taps of one output pixel and
// one kh are then kernel_w consecutive pixels of that row, kernel_w * 4 bf16 values in a row, so an
// A tile of 16 output pixels is one tile load of the quad row with a row stride of stride_w pixels
// (the rows overlap when kernel_w > stride_w). C is the 32 x 32 block of the AMX GEMM (tmm0-3:
// two 16-pixel A tiles, tmm4-5, times two 16-channel B tiles, tmm6-7), summed over kh, and
// finished by the bf16 GEMM's epilogue (bias, residual, activation in registers, one rounding).
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/f32-gemm/scratch.h"
#include "kernels/lowp-gemm/bf16_finish__avx512.h"
#include "kernels/lowp-gemm/ukernels.h"
#include "runtime/thread_pool.h"
#include "stem.h"

namespace kiln::f32_conv {
namespace {

// Quad-row columns a task reads: every 32-pixel block's last pixel reaches column
// (block end - 1) * stride_w + kernel_w - 1; rounded up to the 16 columns build_quads writes.
int64_t quad_columns(const ConvShape& s) {
  const int64_t blocks = (s.out_w() + 31) / 32;
  return (blocks * 32 * s.stride_w + s.kernel_w + 15) / 16 * 16;
}

// Quad row of input row `ih` of image `n`: column c holds input column c - pad_left of the
// in_c planes as bf16 (float_to_bf16: AVX512-BF16's conversion rounds the same way), zero outside
// the image and past in_c.
void build_quads(const ConvShape& s, const float* input, int64_t n, int64_t ih, int64_t columns, uint16_t* quads) {
  const __m512i low = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i high = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  const float* planes[4] = {};
  for (int64_t ci = 0; ci < s.in_c; ++ci) planes[ci] = input + ((n * s.in_c + ci) * s.in_h + ih) * s.in_w;
  for (int64_t c0 = 0; c0 < columns; c0 += 16) {
    // Lanes [first, last) of these 16 columns are inside the image.
    const int64_t iw0 = c0 - s.pad_left;
    const int64_t first = std::clamp<int64_t>(-iw0, 0, 16), last = std::clamp<int64_t>(s.in_w - iw0, 0, 16);
    __m512i channel[4];
    for (int ci = 0; ci < 4; ++ci) {
      channel[ci] = _mm512_setzero_si512();
      if (planes[ci] == nullptr || first >= last) continue;
      const __mmask16 lanes = static_cast<__mmask16>(((1u << (last - first)) - 1) << first);
      const __m512 v = _mm512_maskz_expandloadu_ps(lanes, planes[ci] + iw0 + first);
      channel[ci] = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(v));
    }
    const __m512i pair01 = _mm512_or_si512(channel[0], _mm512_slli_epi32(channel[1], 16));
    const __m512i pair23 = _mm512_or_si512(channel[2], _mm512_slli_epi32(channel[3], 16));
    _mm512_storeu_si512(quads + c0 * 4, _mm512_permutex2var_epi32(pair01, low, pair23));
    _mm512_storeu_si512(quads + c0 * 4 + 32, _mm512_permutex2var_epi32(pair01, high, pair23));
  }
}

}  // namespace

void amx_stem_run(const ConvShape& s, const ConvParams& p, uint16_t* output, ThreadPool* pool) {
  assert(amx_stem_applies(s) && p.input != nullptr && p.packed_weights != nullptr && output != nullptr);
  const int64_t pixel_stride = p.output_stride > 0 ? p.output_stride : s.out_c;
  const int64_t oh_count = s.out_h(), ow_count = s.out_w(), rows = s.batch * oh_count;
  const int64_t depth = s.kernel_w * 4, columns = quad_columns(s);
  const int64_t panel_bytes = s.kernel_h * depth * 64;  // one 32-channel panel's kh tiles: [kh][depth / 2][32][2]
  const int threads = pool != nullptr ? pool->size() : 1;
  const double work = 2.0 * rows * ow_count * s.out_c * s.in_c * s.kernel_h * s.kernel_w;
  const int64_t chunks = threads > 1 && work > 1e6 && rows >= 4 * threads ? std::min<int64_t>(rows, threads * 4) : 1;
  const int64_t per_chunk = (rows + chunks - 1) / chunks;
  auto run = [&](int64_t chunk) {
    // kernel_h quad-row slots and a row of zeros (the taps above and below the image). A slot
    // keeps its row for the next output rows that read it (stride_h < kernel_h).
    const int64_t row_elements = columns * 4;
    uint16_t* quads = reinterpret_cast<uint16_t*>(
        f32_gemm::thread_scratch(static_cast<size_t>((s.kernel_h + 1) * row_elements / 2), 1));
    uint16_t* zeros = quads + s.kernel_h * row_elements;
    std::memset(zeros, 0, static_cast<size_t>(row_elements) * 2);
    int64_t slot_row[16];  // the image row (n * in_h + ih) each slot holds, -1 for none
    std::fill(slot_row, slot_row + 16, -1);
    const uint16_t* tap_rows[16];
    lowp_gemm::LowpParams gp;
    gp.ldc = pixel_stride;
    gp.epilogue = p.epilogue;
    gp.epilogue.residual_stride = s.out_c;
    lowp_gemm::Bf16Io io;
    // Two sums blocks: one block's epilogue runs while the tiles compute the next.
    alignas(64) float sums[2][32 * 32] = {};
    struct Pending {
      uint16_t* c;
      const float* residual;
      int64_t ow0, pixels, jc, nb;
    } pending{};
    bool has_pending = false;
    auto finish_pending = [&](const float* block) {
      io.c = pending.c;
      gp.epilogue.residual = pending.residual;
      lowp_gemm::finish_tile(gp, io, block, pending.ow0, pending.pixels, pending.jc, pending.nb);
    };
    lowp_gemm::amx_configure_qu8(depth * 2);  // A tiles depth bf16 wide, B tiles depth / 2 pair rows deep
    const int64_t a_stride = s.stride_w * 8;   // bytes between output pixels' first taps
    const int64_t end = std::min(rows, (chunk + 1) * per_chunk);
    int current = 0;
    for (int64_t index = chunk * per_chunk; index < end; ++index) {
      const int64_t n = index / oh_count, oh = index % oh_count;
      bool needed[16] = {};
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
        for (int64_t slot = 0; slot < s.kernel_h; ++slot) needed[slot] = needed[slot] || (ih >= 0 && ih < s.in_h && slot_row[slot] == n * s.in_h + ih);
      }
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
        if (ih < 0 || ih >= s.in_h) {
          tap_rows[kh] = zeros;
          continue;
        }
        int64_t slot = 0;
        while (slot < s.kernel_h && slot_row[slot] != n * s.in_h + ih) ++slot;
        if (slot == s.kernel_h) {  // build it in a slot no tap row of this output row reads
          slot = 0;
          while (needed[slot]) ++slot;
          build_quads(s, p.input, n, ih, columns, quads + slot * row_elements);
          slot_row[slot] = n * s.in_h + ih;
          needed[slot] = true;
        }
        tap_rows[kh] = quads + slot * row_elements;
      }
      uint16_t* out_row = output + index * ow_count * pixel_stride;
      const float* residual_row = p.epilogue.residual != nullptr ? p.epilogue.residual + index * ow_count * s.out_c : nullptr;
      for (int64_t ow0 = 0; ow0 < ow_count; ow0 += 32) {
        const int64_t pixels = std::min<int64_t>(32, ow_count - ow0);
        for (int64_t jc = 0; jc < s.out_c; jc += 32) {
          const int64_t nb = std::min<int64_t>(32, s.out_c - jc);
          const bool right = nb > 16;
          const char* panel = static_cast<const char*>(static_cast<const void*>(p.packed_weights)) + jc / 32 * panel_bytes;
          _tile_zero(0);
          _tile_zero(2);
          if (right) {
            _tile_zero(1);
            _tile_zero(3);
          }
          for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
            const char* a = reinterpret_cast<const char*>(tap_rows[kh]) + ow0 * a_stride;
            const char* b = panel + kh * depth * 64;
            _tile_loadd(4, a, a_stride);
            _tile_loadd(5, a + 16 * a_stride, a_stride);
            _tile_loadd(6, b, 128);
            _tile_dpbf16ps(0, 4, 6);
            _tile_dpbf16ps(2, 5, 6);
            if (right) {
              _tile_loadd(7, b + 64, 128);
              _tile_dpbf16ps(1, 4, 7);
              _tile_dpbf16ps(3, 5, 7);
            }
          }
          // The previous block's epilogue, independent of these tiles, overlaps their products.
          if (has_pending) finish_pending(sums[current ^ 1]);
          float* block = sums[current];
          _tile_stored(0, block, 128);
          _tile_stored(2, block + 16 * 32, 128);
          if (right) {
            _tile_stored(1, block + 16, 128);
            _tile_stored(3, block + 16 * 32 + 16, 128);
          }
          pending = {out_row, residual_row, ow0, pixels, jc, nb};
          has_pending = true;
          current ^= 1;
        }
      }
    }
    if (has_pending) finish_pending(sums[current ^ 1]);
    lowp_gemm::amx_release();
  };
  if (chunks == 1) {
    run(0);
  } else {
    pool->parallel_for(chunks, run);
  }
}

}  // namespace kiln::f32_conv

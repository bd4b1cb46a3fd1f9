// AVX2 depthwise Conv2D rows: 8 channels per vector. Kernel widths 3, 5 and 7 at stride 1 or 2
// across the row: register blocks of up to 12, 9 or 8 output pixels that load each input column
// once per kernel row and feed it to every pixel whose taps read it (as dwconv-row-avx512.h does
// with 16 lanes). Other kernels, strides and dilations: weights held in registers (3x3) or loaded
// per tap, four interior output pixels per step. Full groups of 8 channels use plain loads and
// stores; only the last partial group is masked (vmaskmovps stores are microcoded on AMD Zen:
// masked stores on every group made this kernel 2-3x slower than onnxruntime's there).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <type_traits>
#include <utility>

#include "dwconv.h"
#include "kernels/f32-gemm/vmath-avx2.h"

namespace kiln::f32_conv {
namespace {

template <int KH, int KW>
void dw_row_avx2(const DwRowArgs& r) {
  const ConvShape& s = *r.shape;
  assert(s.groups == s.in_c && s.out_c == s.in_c && r.output != nullptr);
  assert(KH == 0 || (s.kernel_h == KH && s.kernel_w == KW));
  const int64_t kh_count = KH ? KH : s.kernel_h, kw_count = KW ? KW : s.kernel_w;
  const int64_t channels = s.in_c, cpad = dw_padded_channels(channels), ow_count = s.out_w();
  int64_t interior_begin, interior_end;
  dw_interior(s, &interior_begin, &interior_end);
  const int64_t ih0 = r.oh * s.stride_h - s.pad_top;
  auto group = [&](int64_t c0, auto full_group) {
    constexpr bool kFull = decltype(full_group)::value;
    const __m256i m = f32_gemm::avx2::tail_mask(kFull ? 8 : channels - c0);
    auto load = [&](const float* p) { return kFull ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m); };
    const __m256 bias = r.bias != nullptr ? load(r.bias + c0) : _mm256_setzero_ps();
    __m256 w[KH * KW > 0 ? KH * KW : 1];
    if (KH > 0) {
#pragma GCC unroll 25
      for (int t = 0; t < KH * KW; ++t) w[t] = _mm256_load_ps(r.weights + t * cpad + c0);
    }
    const float* in_c0 = r.input + c0;
    // NB output pixels at once with independent accumulators (see the AVX-512 variant).
    auto pixels = [&](int64_t ow, auto block, bool interior) {
      constexpr int NB = decltype(block)::value;
      const int64_t iw0 = ow * s.stride_w - s.pad_left;
      __m256 acc[NB];
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) acc[j] = bias;
#pragma GCC unroll 7
      for (int64_t kh = 0; kh < kh_count; ++kh) {
        const int64_t ih = ih0 + kh * s.dilation_h;
        if (ih < 0 || ih >= s.in_h) continue;
        const float* in_row = in_c0 + ih * s.in_w * channels;
#pragma GCC unroll 7
        for (int64_t kw = 0; kw < kw_count; ++kw) {
          const int64_t iw = iw0 + kw * s.dilation_w;
          if (!interior && (iw < 0 || iw >= s.in_w)) continue;
          const __m256 wt = KH > 0 ? w[kh * KW + kw]
                                   : _mm256_load_ps(r.weights + (kh * kw_count + kw) * cpad + c0);
#pragma GCC unroll 4
          for (int j = 0; j < NB; ++j) {
            const __m256 x = load(in_row + (iw + j * s.stride_w) * channels);
            acc[j] = _mm256_fmadd_ps(x, wt, acc[j]);
          }
        }
      }
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) {
        const int64_t at = (ow + j) * channels + c0;
        if (r.residual != nullptr) acc[j] = _mm256_add_ps(acc[j], load(r.residual + at));
        const __m256 y = f32_gemm::avx2::activate(acc[j], *r.epilogue);
        if (kFull) _mm256_storeu_ps(r.output + at, y);
        else _mm256_maskstore_ps(r.output + at, m, y);
      }
    };
    for (int64_t ow = 0; ow < ow_count;) {
      if (ow >= interior_begin && ow + 4 <= interior_end) {
        pixels(ow, std::integral_constant<int, 4>(), true);
        ow += 4;
      } else {
        pixels(ow, std::integral_constant<int, 1>(), ow >= interior_begin && ow < interior_end);
        ow += 1;
      }
    }
  };
  int64_t c0 = 0;
  for (; c0 + 8 <= channels; c0 += 8) group(c0, std::true_type());
  if (c0 < channels) group(c0, std::false_type());
}

// The register-blocked row for kernel widths 3, 5 and 7 (any height up to 7). One block of NB
// output pixels of one 8-channel group keeps one accumulator per pixel (NB + K weights + an
// input column fit in the 16 ymm registers: NB up to 12, 9 or 8) and, per kernel row, loads each
// input column once: (NB - 1) * S + K loads for K * NB FMAs. Columns outside the image are
// skipped, never read as zero, and every accumulator runs its FMAs in (kh, kw) order from the
// bias, so each lane is the scalar reference's fma chain.
namespace blocked {

constexpr int kMaxRows = 7;

template <int K>
constexpr int max_block() { return K == 3 ? 12 : K == 5 ? 9 : 8; }

bool applies(const ConvShape& s) {
  return (s.kernel_w == 3 || s.kernel_w == 5 || s.kernel_w == 7) && s.kernel_h <= kMaxRows && s.dilation_w == 1 &&
         (s.stride_w == 1 || s.stride_w == 2);
}

// One 8-channel group of one output row. rows[kh]: input row oh * stride_h - pad_top + kh *
// dilation_h at the group's first channel, or null where that row is outside the image.
struct Group {
  const float* rows[kMaxRows];
  int64_t kernel_h;
  const float* weights;  // packed [kh * K + kw][cpad] at the group's first channel
  const float* bias;     // at the group's first channel, or null
  int64_t channels, cpad, in_w;
  __m256i mask;          // the valid channels of a partial group
};

template <bool Full>
inline __m256 load_8(const Group& g, const float* p) {
  return Full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, g.mask);
}

// out[j] = bias + pixel j's valid taps, for NB pixels whose first tap reads column iw0. Edge:
// columns outside [0, in_w) are skipped. Full: all 8 channels are valid.
template <int K, int S, int NB, bool Edge, bool Full>
void accumulate(const Group& g, int64_t iw0, __m256* out) {
  constexpr int kColumns = (NB - 1) * S + K;
  const __m256 bias = g.bias != nullptr ? load_8<Full>(g, g.bias) : _mm256_setzero_ps();
  __m256 acc[NB];
#pragma GCC unroll 16
  for (int j = 0; j < NB; ++j) acc[j] = bias;
  for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
    if (g.rows[kh] == nullptr) continue;
    const float* row = g.rows[kh] + iw0 * g.channels;
    __m256 w[K];
#pragma GCC unroll 7
    for (int kw = 0; kw < K; ++kw) w[kw] = _mm256_load_ps(g.weights + (kh * K + kw) * g.cpad);
    // Column q is tap kw = q - j * S of pixel j; q ascending keeps each pixel's kw ascending.
#pragma GCC unroll 32
    for (int q = 0; q < kColumns; ++q) {
      if (Edge && (iw0 + q < 0 || iw0 + q >= g.in_w)) continue;
      const __m256 x = load_8<Full>(g, row + q * g.channels);
#pragma GCC unroll 16
      for (int j = 0; j < NB; ++j) {
        const int kw = q - j * S;
        if (kw >= 0 && kw < K) acc[j] = _mm256_fmadd_ps(x, w[kw], acc[j]);
      }
    }
  }
#pragma GCC unroll 16
  for (int j = 0; j < NB; ++j) out[j] = acc[j];
}

using AccumulateFn = void (*)(const Group&, int64_t, __m256*);

template <int K, int S, bool Edge, bool Full, size_t... I>
constexpr std::array<AccumulateFn, sizeof...(I)> accumulate_table(std::index_sequence<I...>) {
  return {&accumulate<K, S, static_cast<int>(I) + 1, Edge, Full>...};
}

template <int K>
AccumulateFn accumulate_for(int stride, int pixels, bool edge, bool full) {
  using Pixels = std::make_index_sequence<max_block<K>()>;
  static constexpr std::array<AccumulateFn, max_block<K>()> kTables[8] = {
      accumulate_table<K, 1, false, false>(Pixels()), accumulate_table<K, 1, false, true>(Pixels()),
      accumulate_table<K, 1, true, false>(Pixels()),  accumulate_table<K, 1, true, true>(Pixels()),
      accumulate_table<K, 2, false, false>(Pixels()), accumulate_table<K, 2, false, true>(Pixels()),
      accumulate_table<K, 2, true, false>(Pixels()),  accumulate_table<K, 2, true, true>(Pixels()),
  };
  return kTables[(stride - 1) * 4 + (edge ? 2 : 0) + (full ? 1 : 0)][pixels - 1];
}

// Residual, activation and store of one block; Full: plain loads and stores.
template <bool Full, class Activation>
void finish(const DwRowArgs& r, const Group& g, int64_t ow, int pixels, int64_t c0, const __m256* acc,
            Activation activation) {
  float* out = r.output + ow * g.channels + c0;
  const float* residual = r.residual != nullptr ? r.residual + ow * g.channels + c0 : nullptr;
  for (int j = 0; j < pixels; ++j) {
    __m256 v = acc[j];
    if (residual != nullptr) v = _mm256_add_ps(v, load_8<Full>(g, residual + j * g.channels));
    v = activation(v);
    if (Full) _mm256_storeu_ps(out + j * g.channels, v);
    else _mm256_maskstore_ps(out + j * g.channels, g.mask, v);
  }
}

// Output rows r.oh .. r.oh + r.rows - 1, channels [c_begin, c_end) of each, row by row.
template <int K, class Activation>
void rows(const DwRowArgs& r, Activation activation, int64_t c_begin, int64_t c_end) {
  const ConvShape& s = *r.shape;
  const int64_t channels = s.in_c, ow_count = s.out_w(), row_step = ow_count * s.out_c;
  // Blocks of nearly equal size: 56 -> 5 x 11 + 1 x 1 would leave one pixel on a latency chain.
  constexpr int kMaxBlock = max_block<K>();
  const int64_t blocks = (ow_count + kMaxBlock - 1) / kMaxBlock;
  const int64_t base = ow_count / blocks, extra = ow_count % blocks;
  Group g;
  g.kernel_h = s.kernel_h;
  g.channels = channels, g.cpad = dw_padded_channels(channels), g.in_w = s.in_w;
  const int stride = static_cast<int>(s.stride_w);
  DwRowArgs out = r;
  for (int64_t i = 0; i < r.rows; ++i) {
    const int64_t oh = r.oh + i;
    out.output = r.output + i * row_step;
    out.residual = r.residual != nullptr ? r.residual + i * row_step : nullptr;
    const float* in_rows[kMaxRows];
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      in_rows[kh] = ih >= 0 && ih < s.in_h ? r.input + ih * s.in_w * channels : nullptr;
    }
    // Blocks outside, channel groups inside: a block's input columns are read by every group while
    // they are in L1 (each group reads half of a cache line; group by group across the whole row,
    // the other half came from L2 again).
    int64_t ow = 0;
    for (int64_t k = 0; k < blocks; ++k) {
      const int pixels = static_cast<int>(base + (k < extra ? 1 : 0));
      const int64_t iw0 = ow * stride - s.pad_left;
      const bool edge = iw0 < 0 || iw0 + (pixels - 1) * stride + K > s.in_w;
      for (int64_t c0 = c_begin; c0 < c_end; c0 += 8) {
        const bool full = channels - c0 >= 8;
        g.mask = f32_gemm::avx2::tail_mask(full ? 8 : channels - c0);
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) g.rows[kh] = in_rows[kh] != nullptr ? in_rows[kh] + c0 : nullptr;
        g.weights = r.weights + c0;
        g.bias = r.bias != nullptr ? r.bias + c0 : nullptr;
        __m256 acc[kMaxBlock];
        accumulate_for<K>(stride, pixels, edge, full)(g, iw0, acc);
        if (full) finish<true>(out, g, ow, pixels, c0, acc, activation);
        else finish<false>(out, g, ow, pixels, c0, acc, activation);
      }
      ow += pixels;
    }
  }
}

// Every row of r. Kernel widths 5 and 7 with three or more 16-channel slices (a cache line each)
// whose input rows fit in 28 KiB: each slice goes down all the rows before the next, so its
// kernel_h input rows stay in L1 from one output row to the next (as in dwconv-row-avx512.h;
// 7x7 on 56x56x96, 1 thread: 366 -> 328 us). Else row by row, all channels: 3x3 rows ran 5-15%
// slower by slices on the AVX2 rows (56x56x144 173 -> 187 us, 7x7x960 17.7 -> 20.8 us).
template <int K, class Activation>
void row(const DwRowArgs& r, Activation activation) {
  const ConvShape& s = *r.shape;
  if (s.out_w() <= 0) return;
  const int64_t channels = s.in_c;
  if (K >= 5 && r.rows > 1 && channels >= 48 && s.kernel_h * s.in_w * 64 <= 28 * 1024) {
    for (int64_t c0 = 0; c0 < channels; c0 += 16) rows<K>(r, activation, c0, std::min(c0 + 16, channels));
    return;
  }
  rows<K>(r, activation, 0, channels);
}

// The row for s.kernel_w.
template <class Activation>
void row_any(const DwRowArgs& r, Activation activation) {
  switch (r.shape->kernel_w) {
    case 3: return row<3>(r, activation);
    case 5: return row<5>(r, activation);
    default: return row<7>(r, activation);
  }
}

// The activation's form is chosen once per row (a clamp for ReLU and Clip), not per vector.
void run(const DwRowArgs& r) {
  f32_gemm::avx2::with_activation(*r.epilogue, [&](auto activation) { row_any(r, activation); });
}

}  // namespace blocked

}  // namespace

void f32_dwconv_3x3__avx2(const DwRowArgs& args) {
  const ConvShape& s = *args.shape;
  assert(s.groups == s.in_c && s.out_c == s.in_c && args.output != nullptr);
  if (!blocked::applies(s)) return dw_each_row(args, dw_row_avx2<3, 3>);
  blocked::run(args);
}
// Widths 5 and 7 (EfficientNet's, MobileNetV3's and ConvNeXt's depthwise layers) on the blocked
// row; other kernels load each tap's weights per pixel block. 3x3 stays on the per-tap row, which
// the 3x3 variant's blocked row is tested against.
void f32_dwconv__avx2(const DwRowArgs& args) {
  if (args.shape->kernel_w != 3 && blocked::applies(*args.shape)) return blocked::run(args);
  dw_each_row(args, dw_row_avx2<0, 0>);
}

}  // namespace kiln::f32_conv

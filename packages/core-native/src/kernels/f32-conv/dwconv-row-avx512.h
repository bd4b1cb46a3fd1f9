// Internal: the register-blocked AVX-512 depthwise row shared by f32_dwconv_3x3__avx512 and
// bf16_dwconv_3x3__avx512 (include only from files built with AVX-512F/BW): kernel width K = 3
// (`applies_3x3`), and 5 or 7 for f32_dwconv__avx512 (`applies_wide`), any kernel height up to 7.
// Stride 1 or 2 across the row, any row stride, row dilation and pads.
//
// A row is cut into blocks of at most kMaxBlock output pixels of nearly equal size (14 -> one
// block, 56 -> 4 x 14, 20 -> 10 + 10). One block of one 16-channel slice keeps one accumulator per
// pixel and, per kernel row, loads each input column once and feeds it to every pixel whose taps
// read it (K at stride 1): (block - 1) * stride + K loads for K * block FMAs, instead of one load
// per FMA, with block independent FMA chains in flight. Columns outside the image are skipped
// (never read as zero: the FMA sequence stays the reference's), and only blocks that reach past
// an edge check columns at all. In every accumulator the FMAs run in (kh, kw) order from the bias,
// so each lane is the scalar reference's fma chain bit for bit. The caller's `finish` adds the
// residual, applies the activation (chosen once per block, `with_activation`) and stores.
#pragma once

#include <immintrin.h>

#include <array>
#include <cstdint>
#include <utility>

#include "dwconv.h"
#include "kernels/f32-gemm/vmath-avx512.h"

namespace kiln::f32_conv::dw3x3 {
// Unnamed: files built with different -m flags (AVX-512, AVX512-BF16) each compile their own copy,
// so the linker never picks one ISA's instantiation for another's caller.
namespace {

constexpr int kMaxBlock = 14;
constexpr int kMaxRows = 7;

inline bool applies_3x3(const ConvShape& s) {
  return s.kernel_h == 3 && s.kernel_w == 3 && s.dilation_w == 1 && (s.stride_w == 1 || s.stride_w == 2);
}

// Kernel widths 5 and 7 (heights up to 7) for the K = 5 and K = 7 rows.
inline bool applies_wide(const ConvShape& s) {
  return (s.kernel_w == 5 || s.kernel_w == 7) && s.kernel_h <= kMaxRows && s.dilation_w == 1 &&
         (s.stride_w == 1 || s.stride_w == 2);
}

// 16 values as fp32: floats as they are; bf16 (uint16_t) widened exactly (its bits become the
// upper half of an fp32) with one word permute. Full: all 16 lanes valid, a plain load (a masked
// one costs about a third more time in this loop).
template <bool Full>
inline __m512 load_16(__mmask16 m, const float* p) {
  return Full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}
template <bool Full>
inline __m512 load_16(__mmask16 m, const uint16_t* p) {
  const __m512i index = _mm512_set_epi16(15, 0, 14, 0, 13, 0, 12, 0, 11, 0, 10, 0, 9, 0, 8, 0, 7, 0, 6, 0, 5, 0,
                                         4, 0, 3, 0, 2, 0, 1, 0, 0, 0);
  const __m256i half = Full ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)) : _mm256_maskz_loadu_epi16(m, p);
  return _mm512_castsi512_ps(_mm512_maskz_permutexvar_epi16(0xAAAAAAAAu, index, _mm512_castsi256_si512(half)));
}

// One 16-channel slice of one output row. rows[kh]: input row oh * stride_h - pad_top + kh *
// dilation_h at the slice's first channel, or null where that row is outside the image.
template <class T>
struct Slice {
  const T* rows[kMaxRows];
  int64_t kernel_h;
  const float* weights;  // packed [kh * K + kw][cpad] at the slice's first channel
  const float* bias;     // at the slice's first channel, or null
  int64_t channels;      // floats (or bf16s) between neighbouring pixels
  int64_t cpad;
  int64_t in_w;
  __mmask16 mask;
};

// acc[j] = bias + pixel j's valid taps in (kh, kw) order, for NB pixels whose first tap reads
// column iw0. Edge: columns outside [0, in_w) are skipped. Full: all 16 channels are valid.
template <class T, int K, int S, int NB, bool Edge, bool Full>
void accumulate(const Slice<T>& s, int64_t iw0, __m512* out) {
  constexpr int kColumns = (NB - 1) * S + K;
  const __m512 bias = s.bias != nullptr ? _mm512_maskz_loadu_ps(s.mask, s.bias) : _mm512_setzero_ps();
  __m512 acc[NB];
#pragma GCC unroll 16
  for (int j = 0; j < NB; ++j) acc[j] = bias;
  for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
    if (s.rows[kh] == nullptr) continue;
    const T* row = s.rows[kh] + iw0 * s.channels;
    __m512 w[K];
#pragma GCC unroll 7
    for (int kw = 0; kw < K; ++kw) w[kw] = _mm512_load_ps(s.weights + (kh * K + kw) * s.cpad);
    // Column q is tap kw = q - j * S of pixel j; q ascending keeps each pixel's kw ascending.
#pragma GCC unroll 32
    for (int q = 0; q < kColumns; ++q) {
      if (Edge && (iw0 + q < 0 || iw0 + q >= s.in_w)) continue;
      const __m512 x = load_16<Full>(s.mask, row + q * s.channels);
#pragma GCC unroll 16
      for (int j = 0; j < NB; ++j) {
        const int kw = q - j * S;
        if (kw >= 0 && kw < K) acc[j] = _mm512_fmadd_ps(x, w[kw], acc[j]);
      }
    }
  }
#pragma GCC unroll 16
  for (int j = 0; j < NB; ++j) out[j] = acc[j];
}

template <class T>
using AccumulateFn = void (*)(const Slice<T>&, int64_t, __m512*);

template <class T, int K, int S, bool Edge, bool Full, size_t... I>
constexpr std::array<AccumulateFn<T>, kMaxBlock> accumulate_table(std::index_sequence<I...>) {
  return {&accumulate<T, K, S, static_cast<int>(I) + 1, Edge, Full>...};
}

template <class T, int K>
AccumulateFn<T> accumulate_for(int stride, int pixels, bool edge, bool full) {
  using Pixels = std::make_index_sequence<kMaxBlock>;
  static constexpr std::array<AccumulateFn<T>, kMaxBlock> kTables[8] = {
      accumulate_table<T, K, 1, false, false>(Pixels()), accumulate_table<T, K, 1, false, true>(Pixels()),
      accumulate_table<T, K, 1, true, false>(Pixels()),  accumulate_table<T, K, 1, true, true>(Pixels()),
      accumulate_table<T, K, 2, false, false>(Pixels()), accumulate_table<T, K, 2, false, true>(Pixels()),
      accumulate_table<T, K, 2, true, false>(Pixels()),  accumulate_table<T, K, 2, true, true>(Pixels()),
  };
  return kTables[(stride - 1) * 4 + (edge ? 2 : 0) + (full ? 1 : 0)][pixels - 1];
}

// Calls fn(activation) once with a functor for e's activation: ReLU and Clip inline, the others
// through f32_gemm::avx512::activate.
template <class Fn>
inline void with_activation(const Epilogue& e, Fn&& fn) {
  switch (e.activation) {
    case f32_gemm::Activation::kNone:
      return fn([](__m512 v) { return v; });
    case f32_gemm::Activation::kRelu:
      return fn([](__m512 v) { return _mm512_max_ps(v, _mm512_setzero_ps()); });
    case f32_gemm::Activation::kClip: {
      const __m512 lo = _mm512_set1_ps(e.alpha), hi = _mm512_set1_ps(e.beta);
      return fn([lo, hi](__m512 v) { return _mm512_min_ps(_mm512_max_ps(v, lo), hi); });
    }
    default:
      return fn([&e](__m512 v) { return f32_gemm::avx512::activate(v, e); });
  }
}

// Output rows oh0 .. oh0 + rows - 1 of one image (input: the image's first value), kernel width K.
// finish(r, ow, pixels, c0, mask, acc) stores output pixels ow .. ow + pixels - 1 of row oh0 + r,
// channels c0 .. c0 + 15 (mask: the valid ones).
//
// Where a 16-channel slice's input rows (kernel_h x in_w pixels) fit in 28 KiB of L1 and there
// are three or more slices, each slice goes down all the rows before the next starts: its input
// rows stay in L1 from one output row to the next, where a row of every slice at once (kernel_h x
// in_w x channels floats: 63 KiB on 28x28x192) came from L2 again. One thread, `bench/kernels.sh
// --filter dw3x3`: 28x28x192 48 -> 39 us, 14x14x384 21-23 -> 18 us, 56x56x144 155 -> 140 us.
// With one or two slices of wide rows (112x112x32) row order stays: there the slice's rows fill
// L1 and row order reads whole lines. So it does for rows of fewer than 14 outputs (one short
// block per slice and row), where slices gained nothing (7x7x960: 12.0-12.6 us either way).
template <class T, int K = 3, class Finish>
void rows(const ConvShape& s, const T* input, const float* weights, const float* bias, int64_t oh0, int64_t count,
          Finish&& finish) {
  const int64_t channels = s.in_c, ow_count = s.out_w();
  if (ow_count <= 0) return;
  const int64_t blocks = (ow_count + kMaxBlock - 1) / kMaxBlock;
  const int64_t base = ow_count / blocks, extra = ow_count % blocks;
  Slice<T> slice;
  slice.channels = channels, slice.cpad = dw_padded_channels(channels), slice.in_w = s.in_w;
  slice.kernel_h = s.kernel_h;
  const int stride = static_cast<int>(s.stride_w);
  // Input row pointers of output row r at channel 0 (null: outside the image).
  const T* row_at[kMaxRows];
  auto set_rows = [&](int64_t r) {
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = (oh0 + r) * s.stride_h - s.pad_top + kh * s.dilation_h;
      row_at[kh] = ih >= 0 && ih < s.in_h ? input + ih * s.in_w * channels : nullptr;
    }
  };
  auto run = [&](int64_t c0, int64_t r) {
    slice.mask = channels - c0 >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (channels - c0)) - 1);
    slice.weights = weights + c0;
    slice.bias = bias != nullptr ? bias + c0 : nullptr;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) slice.rows[kh] = row_at[kh] != nullptr ? row_at[kh] + c0 : nullptr;
    int64_t ow = 0;
    for (int64_t k = 0; k < blocks; ++k) {
      const int pixels = static_cast<int>(base + (k < extra ? 1 : 0));
      const int64_t iw0 = ow * stride - s.pad_left;
      const bool edge = iw0 < 0 || iw0 + (pixels - 1) * stride + K > s.in_w;
      __m512 acc[kMaxBlock];
      accumulate_for<T, K>(stride, pixels, edge, channels - c0 >= 16)(slice, iw0, acc);
      finish(r, ow, pixels, c0, slice.mask, acc);
      ow += pixels;
    }
  };
  const bool by_slice = count > 1 && channels >= 48 && ow_count >= 14 && s.kernel_h * s.in_w * 64 <= 28 * 1024;
  if (by_slice) {
    for (int64_t c0 = 0; c0 < channels; c0 += 16) {
      for (int64_t r = 0; r < count; ++r) {
        set_rows(r);
        run(c0, r);
      }
    }
  } else {
    // Wide rows (8 KiB and more) of an input of 8 MiB and more (the whole batch): before a row
    // runs, the input rows the next output row adds are fetched towards L2. Such an input has left
    // the caches by the time it is read (mobilenet_v2 at batch 8: 12.8 MB written by the stem), and
    // the hardware prefetchers did not keep up (see README "Depthwise rows").
    const int64_t row_bytes = s.in_w * channels * static_cast<int64_t>(sizeof(T));
    const bool prefetch = row_bytes >= 8192 && s.batch * s.in_h * row_bytes >= (int64_t(8) << 20);
    for (int64_t r = 0; r < count; ++r) {
      set_rows(r);
      for (int64_t j = 0; prefetch && r + 1 < count && j < s.stride_h; ++j) {
        const int64_t ih = (oh0 + r + 1) * s.stride_h - s.pad_top + (s.kernel_h - 1) * s.dilation_h - j;
        if (ih < 0 || ih >= s.in_h) continue;
        const char* next = reinterpret_cast<const char*>(input + ih * s.in_w * channels);
        for (int64_t b = 0; b < row_bytes; b += 64) _mm_prefetch(next + b, _MM_HINT_T1);
      }
      for (int64_t c0 = 0; c0 < channels; c0 += 16) run(c0, r);
    }
  }
}

// One output row oh: rows() over one row, finish(ow, pixels, c0, mask, acc).
template <class T, int K = 3, class Finish>
void row(const ConvShape& s, const T* input, const float* weights, const float* bias, int64_t oh, Finish&& finish) {
  rows<T, K>(s, input, weights, bias, oh, 1,
             [&](int64_t, int64_t ow, int pixels, int64_t c0, __mmask16 m, const __m512* acc) {
               finish(ow, pixels, c0, m, acc);
             });
}

}  // namespace
}  // namespace kiln::f32_conv::dw3x3

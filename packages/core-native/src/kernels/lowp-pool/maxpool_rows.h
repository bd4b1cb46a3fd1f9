// The vector body of every NHWC max pooling family (f32, bf16, uint8), compiled once per element
// type and ISA: output rows [begin, end) of a layer, each window's taps folded in the order
// ky, kx (row-major), so every output is bit for bit what a per-pixel loop over the same taps with
// the same `max` returns, whatever `max` does with NaN or signed zeros.
//
// Per output row the window rows that fall inside the input are one range [ky_lo, ky_hi), the
// same for every column. Columns whose window lies inside the input in x run in blocks of kBlock
// pixels with one accumulator per pixel in registers: per window row every input pixel the block
// touches is loaded once and folded into each pixel whose window holds it (3x3 stride 2: 17 loads
// per 8 pixels instead of 24). Strides and widths 3/2, 3/1 and 2/2 (no dilation) are unrolled at
// compile time; others take the same blocks with run-time loops. With two to four whole vectors of
// channels (64 fp32 channels on AVX-512), those unrolled kinds run blocks of kGroupBlock pixels
// over all the vectors at once instead, so each window row is read in address order (squeezenet's
// 111x111x64 pool: 0.145 → 0.096 ms at 1 thread). Columns at the edges fold their clipped window
// one pixel at a time. No allocation.
//
// An element type supplies `Ops`:
//   T, Acc, kLanes (channels per step), kEmpty (a window over padding only),
//   Full / Part (lane sets; part(left) for the last left < kLanes channels),
//   load(p, lanes) -> Acc, max(acc, tap) -> Acc, store(p, acc, lanes).
// Include only from *__<isa>.cc files, with Ops in an anonymous namespace.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "kernels/lowp-pool/maxpool.h"

namespace kiln::lowp_pool {

// The taps of one window axis that fall inside [0, size): [lo, hi), for a window whose tap 0 sits
// at input coordinate `start`, `k` taps `dilation` apart.
struct TapRange {
  int64_t lo, hi;
};

inline TapRange inside_taps(int64_t start, int64_t k, int64_t dilation, int64_t size) {
  const int64_t lo = start >= 0 ? 0 : std::min(k, (-start + dilation - 1) / dilation);
  const int64_t hi = start >= size ? 0 : std::min(k, (size - start + dilation - 1) / dilation);
  return {lo, std::max(lo, hi)};
}

// The geometry of one output row's windows: the first window row inside the input, how many,
// and the steps between taps (all in elements).
struct RowWindows {
  int64_t rows, row_step, col_step, pixel_step, c;
};

constexpr int kBlock = 8;

// Folds one window row into the accumulators of B output pixels at G consecutive lane groups of
// their channels (group g at kLanes * g; `lanes` for every group: G > 1 with whole groups only):
// `row` is the row's tap 0 of the first pixel. KW, SW > 0: compile-time kernel width and stride
// (dilation 1); else `kw` taps w.col_step apart, pixels w.pixel_step apart. kFirst: the row starts
// the folds. With G > 1 each input pixel's G vectors are loaded together, so a window row is read
// in address order instead of once per lane group at a pixel stride.
template <class Ops, int B, int KW, int SW, int G, bool kFirst, class Lanes>
inline void fold_row(const typename Ops::T* row, const RowWindows& w, int64_t kw, Lanes lanes, typename Ops::Acc (*acc)[G]) {
  using Acc = typename Ops::Acc;
  if constexpr (KW > 0) {
    // Input pixel i of the block's span feeds pixels b with b * SW <= i < b * SW + KW, as their
    // tap kx = i - b * SW: ascending i keeps each pixel's taps in kx order.
    constexpr int kSpan = (B - 1) * SW + KW;
#pragma GCC unroll 32
    for (int i = 0; i < kSpan; ++i) {
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        const Acc v = Ops::load(row + i * w.c + g * Ops::kLanes, lanes);
#pragma GCC unroll 8
        for (int b = 0; b < B; ++b) {
          if (i < b * SW || i >= b * SW + KW) continue;
          acc[b][g] = kFirst && i == b * SW ? v : Ops::max(acc[b][g], v);
        }
      }
    }
  } else {
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      const typename Ops::T* at = row + g * Ops::kLanes;
#pragma GCC unroll 8
      for (int b = 0; b < B; ++b) {
        const Acc v = Ops::load(at + b * w.pixel_step, lanes);
        acc[b][g] = kFirst ? v : Ops::max(acc[b][g], v);
      }
      for (int64_t kx = 1; kx < kw; ++kx) {
#pragma GCC unroll 8
        for (int b = 0; b < B; ++b) acc[b][g] = Ops::max(acc[b][g], Ops::load(at + b * w.pixel_step + kx * w.col_step, lanes));
      }
    }
  }
}

// B output pixels at G lane groups (as fold_row), every window row: `in` is tap (0, 0) of the
// first pixel, `out` its output.
template <class Ops, int B, int KW, int SW, int G = 1, class Lanes>
inline void fold_block(const typename Ops::T* in, const RowWindows& w, int64_t kw, Lanes lanes, typename Ops::T* out) {
  typename Ops::Acc acc[B][G];
  fold_row<Ops, B, KW, SW, G, true>(in, w, kw, lanes, acc);
  for (int64_t ky = 1; ky < w.rows; ++ky) fold_row<Ops, B, KW, SW, G, false>(in + ky * w.row_step, w, kw, lanes, acc);
#pragma GCC unroll 8
  for (int b = 0; b < B; ++b) {
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) Ops::store(out + b * w.c + g * Ops::kLanes, acc[b][g], lanes);
  }
}

// Output pixels per block when all of a pixel's two to four lane groups fold together (at most 16
// accumulators).
constexpr int kGroupBlock = 4;

// Pixels [0, count) of a run whose windows lie inside the input in x, every channel.
template <class Ops, int KW, int SW>
void fold_inside(const typename Ops::T* in, const RowWindows& w, int64_t kw, int64_t count, typename Ops::T* out) {
  const int64_t full = w.c / Ops::kLanes * Ops::kLanes;
  const typename Ops::Full all{};
  const typename Ops::Part part = Ops::part(w.c - full);
  int64_t p = 0;
  // Two to four whole lane groups (squeezenet's and ResNet's 64-channel pools in fp32 on AVX-512):
  // blocks of kGroupBlock pixels over all groups at once.
  if constexpr (KW > 0) {
    const int64_t groups = full == w.c ? w.c / Ops::kLanes : 0;
    auto blocks = [&](auto group_count) {
      constexpr int G = decltype(group_count)::value;
      for (; p + kGroupBlock <= count; p += kGroupBlock) {
        fold_block<Ops, kGroupBlock, KW, SW, G>(in + p * w.pixel_step, w, kw, all, out + p * w.c);
      }
    };
    if (groups == 2) blocks(std::integral_constant<int, 2>{});
    if (groups == 3) blocks(std::integral_constant<int, 3>{});
    if (groups == 4) blocks(std::integral_constant<int, 4>{});
  }
  for (; p + kBlock <= count; p += kBlock) {
    const typename Ops::T* at = in + p * w.pixel_step;
    typename Ops::T* to = out + p * w.c;
    for (int64_t c0 = 0; c0 < full; c0 += Ops::kLanes) fold_block<Ops, kBlock, KW, SW>(at + c0, w, kw, all, to + c0);
    if (full < w.c) fold_block<Ops, kBlock, KW, SW>(at + full, w, kw, part, to + full);
  }
  for (; p < count; ++p) {
    const typename Ops::T* at = in + p * w.pixel_step;
    typename Ops::T* to = out + p * w.c;
    for (int64_t c0 = 0; c0 < full; c0 += Ops::kLanes) fold_block<Ops, 1, KW, SW>(at + c0, w, kw, all, to + c0);
    if (full < w.c) fold_block<Ops, 1, KW, SW>(at + full, w, kw, part, to + full);
  }
}

// One pixel whose window is clipped in x to `cols` >= 1 taps (tap 0 at `in`).
template <class Ops>
void fold_clipped(const typename Ops::T* in, const RowWindows& w, int64_t cols, typename Ops::T* out) {
  const int64_t full = w.c / Ops::kLanes * Ops::kLanes;
  for (int64_t c0 = 0; c0 < full; c0 += Ops::kLanes) fold_block<Ops, 1, 0, 0>(in + c0, w, cols, typename Ops::Full{}, out + c0);
  if (full < w.c) fold_block<Ops, 1, 0, 0>(in + full, w, cols, Ops::part(w.c - full), out + full);
}

template <class Ops>
void maxpool_rows(const PoolShape& s, const typename Ops::T* x, typename Ops::T* y, int64_t begin, int64_t end) {
  using T = typename Ops::T;
  const int64_t c = s.c;
  // Output columns whose window lies inside [0, w) in x: [inside_begin, inside_end).
  const int64_t inside_begin = std::min(s.ow, (s.pad_left + s.sw - 1) / s.sw);
  const int64_t last_start = s.w - 1 - (s.kw - 1) * s.dw + s.pad_left;  // the largest inside window start + pad
  const int64_t inside_end = last_start < 0 ? inside_begin : std::clamp(last_start / s.sw + 1, inside_begin, s.ow);
  const int kind = s.dw != 1 ? 0 : s.kw == 3 && s.sw == 2 ? 1 : s.kw == 3 && s.sw == 1 ? 2 : s.kw == 2 && s.sw == 2 ? 3 : 0;
  for (int64_t r = begin; r < end; ++r) {
    const int64_t n = r / s.oh, oh = r % s.oh;
    T* out = y + r * s.ow * c;
    const TapRange rows = inside_taps(oh * s.sh - s.pad_top, s.kh, s.dh, s.h);
    if (rows.lo == rows.hi) {
      std::fill(out, out + s.ow * c, Ops::kEmpty);
      continue;
    }
    const RowWindows w{rows.hi - rows.lo, s.dh * s.w * c, s.dw * c, s.sw * c, c};
    // The first window row inside the input; a window starting at input column ix begins at row + ix * c.
    const T* row = x + (n * s.h + oh * s.sh - s.pad_top + rows.lo * s.dh) * s.w * c;
    auto clipped = [&](int64_t ox) {
      const int64_t start = ox * s.sw - s.pad_left;
      const TapRange cols = inside_taps(start, s.kw, s.dw, s.w);
      if (cols.lo == cols.hi) std::fill(out + ox * c, out + (ox + 1) * c, Ops::kEmpty);
      else fold_clipped<Ops>(row + (start + cols.lo * s.dw) * c, w, cols.hi - cols.lo, out + ox * c);
    };
    for (int64_t ox = 0; ox < inside_begin; ++ox) clipped(ox);
    const int64_t count = inside_end - inside_begin;
    if (count > 0) {
      const T* first = row + (inside_begin * s.sw - s.pad_left) * c;
      T* to = out + inside_begin * c;
      if (kind == 1) fold_inside<Ops, 3, 2>(first, w, s.kw, count, to);
      else if (kind == 2) fold_inside<Ops, 3, 1>(first, w, s.kw, count, to);
      else if (kind == 3) fold_inside<Ops, 2, 2>(first, w, s.kw, count, to);
      else fold_inside<Ops, 0, 0>(first, w, s.kw, count, to);
    }
    for (int64_t ox = inside_end; ox < s.ow; ++ox) clipped(ox);
  }
}

}  // namespace kiln::lowp_pool

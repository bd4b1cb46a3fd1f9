// The band scheme the inverted-residual drivers share (f32_mbconv, bf16_mbconv): which expanded
// rows a band of output rows reads, the rows a thread keeps from its previous band (the halo),
// and how bands become tasks on the pool. The element type of the rows is the driver's.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>

#include "mbconv.h"
#include "runtime/thread_pool.h"

namespace kiln::f32_mbconv {

// Multiply-adds x 2 of one run of the block.
inline double block_flops(const MbconvShape& s) {
  const ConvShape dw = s.depthwise();
  return 2.0 * s.batch * (s.in_h * s.in_w * s.in_c * (s.has_expand ? s.expand_c : 0) +
                          dw.out_h() * dw.out_w() * s.expand_c * (s.kernel_h * s.kernel_w + s.out_c));
}

// Output rows per band when the block is split over `threads`: at most `band`, and small enough
// for about two bands per thread (the pool gives each thread a contiguous home range of them, so
// only the first band of a range, or a stolen one, recomputes its halo rows).
inline int64_t split_band_rows(const MbconvShape& s, int64_t band, int threads) {
  return std::min(band, std::max<int64_t>(1, (s.batch * s.out_h() + 2 * threads - 1) / (2 * threads)));
}

// Input rows of one calling thread's expanded buffer, kept from its previous band of the same
// run (`call` is unique per run, so rows of an earlier run are never reused).
struct HeldRows {
  uint64_t call = 0;
  int64_t image = -1, begin = 0, end = 0;  // expanded rows [begin, end) of image

  // Makes `buffer` (rows of `row_elements`, room for `capacity` rows) start at the first expanded
  // row that output rows [oh0, oh1) of image n read: the held rows from there on move to the
  // front (the halo), the ones behind are dropped. Then the caller computes rows [*first, end)
  // into buffer + (*first - begin) * row_elements (`end` is the last row needed + 1). Returns
  // false, changing nothing, for a band that reads no row (all its taps in the padding).
  template <typename T>
  bool keep_halo(const MbconvShape& s, uint64_t run, int64_t n, int64_t oh0, int64_t oh1, T* buffer,
                 int64_t row_elements, int64_t capacity, int64_t* first) {
    const int64_t need_begin = std::max<int64_t>(0, oh0 * s.stride_h - s.pad_top);
    const int64_t need_end =
        std::min(s.in_h, (oh1 - 1) * s.stride_h - s.pad_top + (s.kernel_h - 1) * s.dilation_h + 1);
    if (need_begin >= need_end) return false;
    if (call != run || image != n || end <= need_begin || begin > need_begin) {
      *this = HeldRows{run, n, need_begin, need_begin};
    } else if (begin < need_begin) {
      std::memmove(buffer, buffer + (need_begin - begin) * row_elements,
                   sizeof(T) * static_cast<size_t>((end - need_begin) * row_elements));
      begin = need_begin;
    }
    *first = std::min(end, need_end);  // never more rows than this band's capacity
    assert(need_end - begin <= capacity);
    (void)capacity;
    end = need_end;
    return true;
  }
};

// Whether a block split over `threads` runs in stages instead of bands: whole images in three
// passes, each split evenly over the pool (the expand GEMM into a shared expanded tensor, the
// depthwise rows, the project GEMM). Bands that give a thread fewer than 8 output rows share the
// work badly: mobilenet_v2's 7x7 blocks on two threads got bands of 4 and 3 rows, the second with
// a halo row recomputed, and ran 1.5x faster than on one thread, where onnxruntime's three nodes
// for the same convs ran 1.8x faster. Stages need the expanded and depthwise tensors whole
// (`element_bytes` each element), at most 4 MiB of them.
inline bool use_stages(const MbconvShape& s, int threads, int64_t element_bytes) {
  const ConvShape dw = s.depthwise();
  const double bytes = static_cast<double>(element_bytes) * s.batch * s.expand_c *
                       ((s.has_expand ? s.in_h * s.in_w : 0) + dw.out_h() * dw.out_w());
  return threads > 1 && s.batch * dw.out_h() < 8 * threads && bytes <= 4.0 * 1024 * 1024;
}

// Runs `run_rows(r0, r1)` over [0, rows) in one even chunk per pool thread.
template <typename RunRows>
void split_rows(int64_t rows, ThreadPool* pool, const RunRows& run_rows) {
  const int64_t tasks = std::min<int64_t>(pool->size(), rows), chunk = (rows + tasks - 1) / tasks;
  pool->parallel_for(tasks, [&](int64_t t) {
    const int64_t r0 = t * chunk, r1 = std::min(rows, r0 + chunk);
    if (r0 < r1) run_rows(r0, r1);
  });
}

// Runs `run_band(n, oh0, oh1)` for every band of `band` output rows of every image: on the
// calling thread unless `split`, else one pool task per band.
template <typename RunBand>
void run_bands(const MbconvShape& s, int64_t band, bool split, ThreadPool* pool, const RunBand& run_band) {
  const int64_t out_h = s.out_h(), bands = (out_h + band - 1) / band, tasks = s.batch * bands;
  auto task = [&](int64_t t) {
    const int64_t oh0 = t % bands * band;
    run_band(t / bands, oh0, std::min(out_h, oh0 + band));
  };
  if (!split || tasks == 1) {
    for (int64_t t = 0; t < tasks; ++t) task(t);
  } else {
    pool->parallel_for(tasks, task);
  }
}

}  // namespace kiln::f32_mbconv

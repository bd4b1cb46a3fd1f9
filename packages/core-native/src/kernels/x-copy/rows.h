// Row bookkeeping shared by the data-movement drivers, hoisted out of their inner loops.
//   RowMap: the output's rows (every dim but the last) each read one input row (or none) found
//           through a per-dim table; walking a range of rows keeps an odometer instead of dividing
//           the row number per row.
//   run_copy_parts: runs a list of 2-D copies on the pool, split into pieces of at least kPieceBytes
//           (by rows, or by bytes when a part has fewer rows than pieces), so one small copy stays
//           on one core and one huge row still spreads over all of them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "executor/kernel_util.h"
#include "kernels/x-copy/move.h"

namespace kiln {

class RowMap {
 public:
  // dims: the output's row dims; tables[d][o]: input coordinate of output coordinate o along d (-1:
  // no input row), or empty for the identity; strides[d]: input elements per step along d.
  RowMap(std::vector<int64_t> dims, std::vector<std::vector<int64_t>> tables, std::vector<int64_t> strides,
         int64_t base = 0)
      : dims_(std::move(dims)), tables_(std::move(tables)), strides_(std::move(strides)), base_(base) {}

  int64_t rows() const { return product(dims_, 0, dims_.size()); }

  // fn(row, input element offset of the row's start, or -1) for row in [begin, end).
  template <class F>
  void walk(int64_t begin, int64_t end, const F& fn) const {
    const size_t rank = dims_.size();
    std::vector<int64_t> coord(rank);
    for (size_t d = rank, rest = static_cast<size_t>(begin); d-- > 0;) {
      coord[d] = static_cast<int64_t>(rest) % dims_[d];
      rest /= static_cast<size_t>(dims_[d]);
    }
    for (int64_t row = begin; row < end; ++row) {
      int64_t offset = base_;
      for (size_t d = 0; d < rank && offset >= 0; ++d) {
        const int64_t i = tables_[d].empty() ? coord[d] : tables_[d][coord[d]];
        offset = i < 0 ? -1 : offset + i * strides_[d];
      }
      fn(row, offset);
      for (size_t d = rank; d-- > 0;) {
        if (++coord[d] < dims_[d]) break;
        coord[d] = 0;
      }
    }
  }

 private:
  std::vector<int64_t> dims_;
  std::vector<std::vector<int64_t>> tables_;
  std::vector<int64_t> strides_;
  int64_t base_;
};

struct CopyPart {
  uint8_t* dst;
  int64_t dst_stride;
  const uint8_t* src;
  int64_t src_stride;
  int64_t rows, bytes;
};

constexpr int64_t kPieceBytes = int64_t{1} << 16;

inline void run_copy_parts(ThreadPool* pool, const XMoveVariant& move, const std::vector<CopyPart>& parts) {
  // Pieces per part, then per-row splits for parts with fewer rows than pieces.
  std::vector<int64_t> first(parts.size() + 1, 0), per_row(parts.size(), 1);
  for (size_t k = 0; k < parts.size(); ++k) {
    const CopyPart& p = parts[k];
    const int64_t want = std::max<int64_t>(1, p.rows * p.bytes / kPieceBytes);
    int64_t pieces = std::min(want, std::max<int64_t>(p.rows, 1));
    if (want > p.rows && p.rows > 0) {
      per_row[k] = std::min<int64_t>((want + p.rows - 1) / p.rows, std::max<int64_t>(1, p.bytes / 64));
      pieces = p.rows * per_row[k];
    }
    first[k + 1] = first[k] + (p.rows > 0 && p.bytes > 0 ? pieces : 0);
  }
  parallel_chunks(pool, first.back(), 1, [&](int64_t begin, int64_t end) {
    size_t k = static_cast<size_t>(std::upper_bound(first.begin(), first.end(), begin) - first.begin()) - 1;
    for (int64_t piece = begin; piece < end;) {
      while (first[k + 1] <= piece) ++k;
      const CopyPart& p = parts[k];
      const int64_t local = piece - first[k], stop = std::min(end, first[k + 1]) - first[k];
      if (per_row[k] > 1) {  // one piece = a byte range of one row
        for (int64_t q = local; q < stop; ++q) {
          const int64_t row = q / per_row[k], split = q % per_row[k];
          const int64_t step = (p.bytes / per_row[k]) & ~int64_t{63};
          const int64_t from = split * step, to = split + 1 == per_row[k] ? p.bytes : from + step;
          move.copy_rows(p.dst + row * p.dst_stride + from, 0, p.src + row * p.src_stride + from, 0, 1, to - from);
        }
      } else {  // one piece = a range of rows
        const int64_t pieces = first[k + 1] - first[k];
        const int64_t row_begin = p.rows * local / pieces, row_end = p.rows * stop / pieces;
        move.copy_rows(p.dst + row_begin * p.dst_stride, p.dst_stride, p.src + row_begin * p.src_stride, p.src_stride,
                       row_end - row_begin, p.bytes);
      }
      piece = first[k] + stop;
    }
  });
}

}  // namespace kiln

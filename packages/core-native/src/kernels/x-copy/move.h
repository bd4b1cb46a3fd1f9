// Data-movement microkernels shared by every memcpy-bound family (x_copy, x_concat, x_slice,
// x_split, x_gather, x_pad, x_expand, x_tile): each driver collapses its shapes into runs and calls
// these. Enumerator list: best first, scalar reference last. Tactic ids: <family>__<isa>.
//   copy_rows: rows runs of `bytes` bytes, run r from src + r * src_stride to dst + r * dst_stride
//              (src_stride 0 repeats one run; runs must not overlap).
//   fill:      count copies of one word of word_bytes (1, 2, 4 or 8) bytes.
//   gather:    dst[i] = src[index[i]] for words of word_bytes (1, 2, 4 or 8) bytes; indices are in
//              words and may be negative (relative to src).
//   gather_rows: row i of dst (row_bytes each) = row index[i] of src (Gather of whole rows).
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/cpu.h"

namespace kiln {

using CopyRowsFn = void (*)(uint8_t* dst, int64_t dst_stride, const uint8_t* src, int64_t src_stride, int64_t rows,
                            int64_t bytes);
using FillFn = void (*)(uint8_t* dst, const uint8_t* word, int64_t word_bytes, int64_t count);
using GatherFn = void (*)(uint8_t* dst, const uint8_t* src, const int32_t* index, int64_t count, int64_t word_bytes);
using GatherRowsFn = void (*)(uint8_t* dst, const uint8_t* src, const int64_t* index, int64_t count, int64_t row_bytes);

struct XMoveVariant {
  Isa isa;
  CopyRowsFn copy_rows;
  FillFn fill;
  GatherFn gather;
  GatherRowsFn gather_rows;
};

#define KILN_DECLARE_MOVE(isa)                                                                                   \
  void x_copy_rows__##isa(uint8_t* dst, int64_t dst_stride, const uint8_t* src, int64_t src_stride, int64_t rows, \
                          int64_t bytes);                                                                        \
  void x_fill__##isa(uint8_t* dst, const uint8_t* word, int64_t word_bytes, int64_t count);                     \
  void x_gather_words__##isa(uint8_t* dst, const uint8_t* src, const int32_t* index, int64_t count,             \
                             int64_t word_bytes);                                                        \
  void x_gather_rows__##isa(uint8_t* dst, const uint8_t* src, const int64_t* index, int64_t count,              \
                            int64_t row_bytes);
KILN_DECLARE_MOVE(scalar)
#if defined(KILN_X86)
KILN_DECLARE_MOVE(avx2)
KILN_DECLARE_MOVE(avx512)
#endif
#undef KILN_DECLARE_MOVE

#define KILN_MOVE_VARIANT(isa, name) \
  { isa, x_copy_rows__##name, x_fill__##name, x_gather_words__##name, x_gather_rows__##name }

inline constexpr XMoveVariant kXMoveVariants[] = {
#if defined(KILN_X86)
    KILN_MOVE_VARIANT(Isa::kAvx512, avx512),
    KILN_MOVE_VARIANT(Isa::kAvx2, avx2),
#endif
    KILN_MOVE_VARIANT(Isa::kScalar, scalar),
};
#undef KILN_MOVE_VARIANT

}  // namespace kiln

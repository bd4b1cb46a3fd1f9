// x_transpose: any dtype (moves 1-, 4- or 8-byte elements). Layer: inputs [x], outputs [y],
// params = perm (ONNX Transpose; output dim i = input dim perm[i]). Dims of size 1 are dropped and
// runs of dims that stay adjacent in order are merged first, so e.g. NCHW->NHWC is a 3-D transpose.
// Variants: x_transpose__scalar (the generic strided row copy, the reference) and __avx2/__avx512,
// which run a batch of 2-D transposes of 4-byte elements (every perm whose merged form swaps the
// last two dims: NCHW<->NHWC, [.., S, D] <-> [.., D, S]) as cache tiles of in-register
// transposes over the pool; other perms and element sizes take the generic path.
#include <cstring>

#include "kernels/x-transpose/transpose_tile.h"

#include "executor/factories.h"
#include "executor/kernel_util.h"

namespace kiln {
namespace {

// 64 input rows x 16 input columns: a tile writes 16 output rows a full cache line (16 floats) at a
// time, so a sweep over the row tiles keeps 16 write streams open. On Zen 4 32x32 tiles (32
// streams) took 1.8x as long for a 12544x96 input, 16x16 ones 1.2x.
constexpr int64_t kTileRows = 64, kTileCols = 16;

class XTransposeOp final : public Op {
 public:
  XTransposeOp(size_t elem, std::vector<int64_t> out_dims, std::vector<int64_t> in_strides, int x, int y)
      : elem_(elem), out_dims_(std::move(out_dims)), in_strides_(std::move(in_strides)), x_(x), y_(y) {}

  void set_tile(TransposeTileFn tile) { tile_ = tile; }

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    if (tile_ != nullptr) return run_tiled(reinterpret_cast<const uint32_t*>(x), reinterpret_cast<uint32_t*>(y), state.pool);
    const size_t rank = out_dims_.size();
    const int64_t inner = rank ? out_dims_.back() : 1, inner_stride = rank ? in_strides_.back() : 1;
    const int64_t rows = product(out_dims_, 0, rank ? rank - 1 : 0);
    parallel_chunks(state.pool, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; ++row) {
        int64_t offset = 0, rest = row;
        for (size_t d = rank - 1; d-- > 0;) {
          offset += (rest % out_dims_[d]) * in_strides_[d];
          rest /= out_dims_[d];
        }
        copy_row(x, offset, inner_stride, inner, y + row * inner * elem_);
      }
    });
  }

 private:
  // Output [batch..., d1, d2] = input [batch..., d2, d1] (d2 input rows of d1 elements), in tiles
  // of tile_rows input rows x tile_cols input columns. Row tiles are innermost so each output row
  // segment and each input row is completed while in cache (no line is fetched twice from memory);
  // a narrow input (d1 <= 64) is one column tile so its rows are read whole.
  void run_tiled(const uint32_t* x, uint32_t* y, ThreadPool* pool) const {
    const size_t rank = out_dims_.size();
    const int64_t d1 = out_dims_[rank - 2], d2 = out_dims_[rank - 1];
    // Two to four rows (or columns) interleave (deinterleave) in long strips instead: one call per
    // strip of 1024 keeps the per-call setup small.
    const int64_t tile_rows = d1 <= 4 ? 1024 : kTileRows;
    const int64_t tile_cols = d1 <= 64 ? d1 : d2 <= 4 ? 1024 : kTileCols;
    const int64_t row_tiles = (d2 + tile_rows - 1) / tile_rows, col_tiles = (d1 + tile_cols - 1) / tile_cols;
    const int64_t batch = product(out_dims_, 0, rank - 2), per_batch = row_tiles * col_tiles;
    parallel_chunks(pool, batch * per_batch, 8, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        int64_t rest = task / per_batch, offset = 0;
        for (size_t d = rank - 2; d-- > 0;) {
          offset += (rest % out_dims_[d]) * in_strides_[d];
          rest /= out_dims_[d];
        }
        const int64_t i0 = task % row_tiles * tile_rows, j0 = task % per_batch / row_tiles * tile_cols;
        tile_(x + offset + i0 * d1 + j0, d1, std::min(tile_rows, d2 - i0), std::min(tile_cols, d1 - j0),
              y + task / per_batch * d1 * d2 + j0 * d2 + i0, d2);
      }
    });
  }

  template <class T>
  static void strided(const T* src, int64_t stride, int64_t n, T* dst) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i * stride];
  }
  void copy_row(const uint8_t* x, int64_t offset, int64_t stride, int64_t n, uint8_t* dst) const {
    const uint8_t* src = x + offset * elem_;
    if (stride == 1) return (void)std::memcpy(dst, src, n * elem_);
    if (elem_ == 4) strided(reinterpret_cast<const uint32_t*>(src), stride, n, reinterpret_cast<uint32_t*>(dst));
    else if (elem_ == 8) strided(reinterpret_cast<const uint64_t*>(src), stride, n, reinterpret_cast<uint64_t*>(dst));
    else strided(src, stride, n, dst);
  }

  size_t elem_;
  std::vector<int64_t> out_dims_, in_strides_;
  TransposeTileFn tile_ = nullptr;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_transpose(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  const TensorDesc &x = args.in(0), &y = args.out(0);
  require(x.dtype == y.dtype, args, "Input and output dtypes differ.", dtype_name(x.dtype), dtype_name(y.dtype));
  const size_t rank = x.shape.size();
  require_params(args, rank, "perm, one entry per input dim");
  std::vector<bool> seen(rank, false);
  std::vector<int64_t> perm(rank);
  for (size_t i = 0; i < rank; ++i) {
    perm[i] = param_int(args, i);
    require(perm[i] >= 0 && perm[i] < static_cast<int64_t>(rank) && !seen[perm[i]], args, "perm is not a permutation.",
            "each of 0.." + std::to_string(rank - 1) + " once", std::to_string(perm[i]));
    seen[perm[i]] = true;
  }
  std::vector<int64_t> expected(rank);
  for (size_t i = 0; i < rank; ++i) expected[i] = x.shape[perm[i]];
  require(y.shape == expected, args, "Output shape is not the permuted input shape.", shape_string(expected),
          shape_string(y.shape));
  const std::vector<int64_t> strides = contiguous_strides(x.shape);
  std::vector<int64_t> dims, in_strides;
  for (size_t i = 0; i < rank; ++i) {
    const int64_t dim = x.shape[perm[i]], stride = strides[perm[i]];
    if (dim == 1) continue;
    if (!dims.empty() && in_strides.back() == stride * dim) {
      dims.back() *= dim;
      in_strides.back() = stride;
    } else {
      dims.push_back(dim);
      in_strides.push_back(stride);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    in_strides.push_back(1);
  }
  auto op = std::make_unique<XTransposeOp>(dtype_size(x.dtype), dims, in_strides, args.layer.inputs[0],
                                           args.layer.outputs[0]);
  const size_t r = dims.size();
  const bool swaps_last_two = r >= 2 && in_strides[r - 2] == 1 && in_strides[r - 1] == dims[r - 2];
  // The tiled variants are not always faster than the strided row copy (__scalar): on Sapphire
  // Rapids the copy won for large NHWC->NCHW (long output rows streamed from memory), on Zen 4 the
  // tiles took a third to a half of its time there. The builder times the variants per layer.
  if (dtype_size(x.dtype) == 4 && swaps_last_two) {
#if defined(KILN_X86)
    if (args.isa >= Isa::kAvx512) op->set_tile(transpose_tile_4byte__avx512);
    else if (args.isa == Isa::kAvx2) op->set_tile(transpose_tile_4byte__avx2);
#endif
  }
  return op;
}

}  // namespace kiln

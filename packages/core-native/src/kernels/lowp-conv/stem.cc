// qu8_conv_nchw driver: variant list, weight packing, the per-thread window of quantized input
// rows, the split of output rows over threads, and the scalar reference (the oracle of the vector
// rows: the integer sums are exact and the finish is the same fp32 operations, so they match bit
// for bit).
#include "stem.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/f32-gemm/scratch.h"
#include "kernels/f32-gemm/ukernels.h"
#include "runtime/thread_pool.h"

namespace kiln::lowp_conv {
namespace {

// Fastest first within an ISA (6x64 for stems of 33+ channels, 14x32 keeps more pixels in flight
// below that: the tuner times both); the reference last, always applicable.
const StemVariant kVariants[] = {
    {"qu8_conv_nchw_6x64__avx512vnni", Isa::kAvx512Vnni, stem_quantize__avx512vnni, stem_row_6x64__avx512vnni,
     f32_gemm::f32_epilogue_row__avx512},
    {"qu8_conv_nchw_14x32__avx512vnni", Isa::kAvx512Vnni, stem_quantize__avx512vnni, stem_row_14x32__avx512vnni,
     f32_gemm::f32_epilogue_row__avx512},
    {"qu8_conv_nchw__scalar", Isa::kScalar, stem_quantize__scalar, stem_row__scalar,
     f32_gemm::f32_epilogue_row__scalar},
};

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// Bias + ReLU/Clip/none finish in the row kernels' registers; other activations run afterwards.
bool clamp_only(const f32_gemm::Epilogue& e, float* lo, float* hi) {
  const float infinity = std::numeric_limits<float>::infinity();
  *lo = -infinity, *hi = infinity;
  switch (e.activation) {
    case f32_gemm::Activation::kNone: return true;
    case f32_gemm::Activation::kRelu: *lo = 0.0f; return true;
    case f32_gemm::Activation::kClip: *lo = e.alpha, *hi = e.beta; return true;
    default: return false;
  }
}

// Bytes carved out of one thread scratch buffer, 64-byte aligned pieces.
struct Carve {
  uint8_t* at;
  template <typename T>
  T* take(int64_t count) {
    T* p = reinterpret_cast<T*>(at);
    at += round_up(count * static_cast<int64_t>(sizeof(T)), 64);
    return p;
  }
};

// Per-channel constants of the finish, shared by every task of a run.
struct Finish {
  std::vector<int32_t> start;
  std::vector<float> multiplier, offset;
  float lo, hi;
  bool fused;
};

Finish prepare_finish(const ConvShape& s, const StemParams& p) {
  const int64_t padded_c = stem_padded_channels(s);
  const StemWeights w = stem_view(s, p.weights);
  Finish f;
  f.fused = clamp_only(p.epilogue, &f.lo, &f.hi);
  // A fused uint8 output folds 1 / output scale and the zero point into the multiplier and offset.
  float inverse = 1.0f, zero_point = 0.0f;
  if (f.fused && p.output_u8 != nullptr) {
    lowp_gemm::RowFinish folded{};
    folded.lo = f.lo, folded.hi = f.hi, folded.output = p.output_grid;
    lowp_gemm::prepare_requantize(&folded);
    inverse = folded.inverse, zero_point = static_cast<float>(p.output_grid.zero_point);
    f.lo = folded.q_lo + zero_point, f.hi = folded.q_hi + zero_point;
  }
  if (!f.fused) {
    f.lo = -std::numeric_limits<float>::infinity(), f.hi = std::numeric_limits<float>::infinity();
  }
  f.start.assign(static_cast<size_t>(padded_c), 0);
  f.multiplier.assign(static_cast<size_t>(padded_c), 0.0f);
  f.offset.assign(static_cast<size_t>(padded_c), 0.0f);
  for (int64_t c = 0; c < s.out_c; ++c) {
    const float bias = p.epilogue.bias != nullptr ? p.epilogue.bias[c] : 0.0f;
    f.multiplier[c] = p.input_grid.scale * w.scale[c] * inverse;
    f.offset[c] = bias * inverse + zero_point;
    f.start[c] = -p.input_grid.zero_point * w.sum[c];
  }
  return f;
}

// Output rows [oh0, oh1) of image n. Input rows become quad rows in a window of `span` slots
// (slot ih % span), each quantized once when first needed; rows in the padding read `zx_row`.
void run_rows(const StemVariant& v, const ConvShape& s, const StemParams& p, const Finish& f, int64_t n, int64_t oh0,
              int64_t oh1) {
  const int64_t ow_count = s.out_w(), out_size = ow_count * s.out_c;
  const int64_t pixel_stride = p.output_stride > 0 ? p.output_stride : s.out_c;
  // Padded input columns the row kernels read: up to the last tap of the last output pixel.
  const int64_t columns = (ow_count - 1) * s.stride_w + (s.kernel_w - 1) * s.dilation_w + 1;
  const int64_t row_bytes = round_up(columns * 4, 64);
  const int64_t span = (s.kernel_h - 1) * s.dilation_h + 1;
  const bool buffered = !f.fused && p.output_u8 != nullptr;
  const int64_t bytes = (span + 1) * row_bytes + (buffered ? round_up(out_size * 4, 64) : 0) + 64;
  Carve carve{reinterpret_cast<uint8_t*>(f32_gemm::thread_scratch(static_cast<size_t>(bytes / 4), 1))};
  assert(carve.at != nullptr);
  uint8_t* window = carve.take<uint8_t>(span * row_bytes);
  uint8_t* zx_row = carve.take<uint8_t>(row_bytes);
  float* buffer = buffered ? carve.take<float>(out_size) : nullptr;
  // Padding columns and channels past in_c hold the zero point in every slot; image columns
  // [left, image_end) are rewritten per row.
  const uint8_t zx = static_cast<uint8_t>(p.input_grid.zero_point);
  std::memset(window, zx, static_cast<size_t>(span * row_bytes));
  std::memset(zx_row, zx, static_cast<size_t>(row_bytes));
  const int64_t left = std::min(columns, s.pad_left), image_end = std::min(columns, s.pad_left + s.in_w);
  const int64_t plane_size = s.in_h * s.in_w;
  const float* image = p.input + n * s.in_c * plane_size;
  const float* planes[kStemMaxInputChannels] = {};

  StemRow row{};
  row.weights = stem_view(s, p.weights).quads;
  row.start = f.start.data(), row.multiplier = f.multiplier.data(), row.offset = f.offset.data();
  row.lo = f.lo, row.hi = f.hi;
  std::vector<int64_t> held(static_cast<size_t>(span), -1);
  std::vector<const uint8_t*> rows(static_cast<size_t>(s.kernel_h));
  row.rows = rows.data();
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      if (ih < 0 || ih >= s.in_h) {
        rows[kh] = zx_row;
        continue;
      }
      uint8_t* slot = window + (ih % span) * row_bytes;
      if (held[ih % span] != ih && image_end > left) {
        for (int64_t ci = 0; ci < s.in_c; ++ci) planes[ci] = image + ci * plane_size + ih * s.in_w + (left - s.pad_left);
        v.quantize(planes, s.in_c, image_end - left, p.input_grid, slot + left * 4);
      }
      held[ih % span] = ih;
      rows[kh] = slot;
    }
    const int64_t r = n * s.out_h() + oh;
    const int64_t first = r * ow_count * pixel_stride;
    row.out = buffered ? buffer : p.output_u8 == nullptr ? p.output + first : nullptr;
    row.out_u8 = buffered ? nullptr : p.output_u8 != nullptr ? p.output_u8 + first : nullptr;
    row.pixel_stride = buffered ? s.out_c : pixel_stride;
    v.row(s, row);
    if (f.fused) continue;
    for (int64_t ow = 0; ow < ow_count; ++ow) {
      v.epilogue_row(row.out + ow * row.pixel_stride, s.out_c, nullptr, nullptr, p.epilogue);
    }
    if (!buffered) continue;
    if (pixel_stride == s.out_c) {
      lowp_gemm::requantize_row_u8_for(v.isa, buffer, out_size, p.output_grid, p.output_u8 + first);
      continue;
    }
    for (int64_t ow = 0; ow < ow_count; ++ow) {
      lowp_gemm::requantize_row_u8_for(v.isa, buffer + ow * s.out_c, s.out_c, p.output_grid,
                                       p.output_u8 + first + ow * pixel_stride);
    }
  }
}

}  // namespace

const StemVariant* stem_variants() { return kVariants; }
size_t stem_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const StemVariant* find_stem_variant(const char* name) {
  for (const StemVariant& v : kVariants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  return nullptr;
}

bool stem_applies(const ConvShape& s) {
  return s.valid() && s.groups == 1 && s.in_c >= 1 && s.in_c <= kStemMaxInputChannels;
}

int64_t stem_padded_channels(const ConvShape& s) { return round_up(s.out_c, 16); }

size_t stem_packed_bytes(const ConvShape& s) {
  const int64_t padded_c = stem_padded_channels(s);
  return static_cast<size_t>(8 * padded_c + s.kernel_h * s.kernel_w * padded_c * 4);
}

StemWeights stem_view(const ConvShape& s, const void* packed) {
  const int64_t padded_c = stem_padded_channels(s);
  const float* scale = static_cast<const float*>(packed);
  const int32_t* sum = reinterpret_cast<const int32_t*>(scale + padded_c);
  return {scale, sum, reinterpret_cast<const int8_t*>(sum + padded_c)};
}

void stem_pack(const ConvShape& s, const float* weights, const float* scales, int64_t scale_count, void* packed) {
  assert(stem_applies(s) && weights != nullptr && packed != nullptr);
  const int64_t padded_c = stem_padded_channels(s), taps = s.kernel_h * s.kernel_w, k = s.in_c * taps;
  std::memset(packed, 0, stem_packed_bytes(s));
  float* scale = static_cast<float*>(packed);
  int32_t* sum = reinterpret_cast<int32_t*>(scale + padded_c);
  int8_t* quads = reinterpret_cast<int8_t*>(sum + padded_c);
  for (int64_t c = 0; c < s.out_c; ++c) {
    const float* wc = weights + c * k;  // [ci][kh][kw]
    float sc;
    if (scales != nullptr) {
      sc = scales[scale_count == 1 ? 0 : c];
    } else {
      float largest = 0.0f;
      for (int64_t i = 0; i < k; ++i) largest = std::max(largest, std::fabs(wc[i]));
      sc = largest > 0.0f ? largest / 127.0f : 1.0f;
    }
    scale[c] = sc;
    for (int64_t ci = 0; ci < s.in_c; ++ci) {
      for (int64_t t = 0; t < taps; ++t) {
        const float q = std::min(127.0f, std::max(-128.0f, std::nearbyint(wc[ci * taps + t] / sc)));
        const int8_t wq = static_cast<int8_t>(q);
        quads[(t * padded_c + c) * 4 + ci] = wq;
        sum[c] += wq;
      }
    }
  }
}

void stem_quantize__scalar(const float* const* planes, int64_t channels, int64_t count,
                           const lowp_gemm::Quantization& grid, uint8_t* quads) {
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t ci = 0; ci < channels; ++ci) quads[i * 4 + ci] = lowp_gemm::quantize_u8(planes[ci][i], grid);
    for (int64_t ci = channels; ci < 4; ++ci) quads[i * 4 + ci] = static_cast<uint8_t>(grid.zero_point);
  }
}

void stem_row__scalar(const ConvShape& s, const StemRow& r) {
  const int64_t padded_c = stem_padded_channels(s);
  for (int64_t ow = 0; ow < s.out_w(); ++ow) {
    for (int64_t c = 0; c < s.out_c; ++c) {
      int32_t acc = r.start[c];
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
          const uint8_t* x = r.rows[kh] + (ow * s.stride_w + kw * s.dilation_w) * 4;
          const int8_t* w = r.weights + ((kh * s.kernel_w + kw) * padded_c + c) * 4;
          for (int j = 0; j < 4; ++j) acc += static_cast<int32_t>(x[j]) * w[j];
        }
      }
      const float y = std::min(r.hi, std::max(r.lo, std::fma(static_cast<float>(acc), r.multiplier[c], r.offset[c])));
      if (r.out_u8 != nullptr) {
        r.out_u8[ow * r.pixel_stride + c] = static_cast<uint8_t>(std::nearbyint(y));
      } else {
        r.out[ow * r.pixel_stride + c] = y;
      }
    }
  }
}

void stem_run(const StemVariant& v, const ConvShape& s, const StemParams& p, ThreadPool* pool) {
  assert(stem_applies(s) && p.input != nullptr && p.weights != nullptr && (p.output != nullptr || p.output_u8 != nullptr) &&
         (p.output_stride == 0 || p.output_stride >= s.out_c));
  const Finish finish = prepare_finish(s, p);
  // Chunks of output rows per task (each quantizes the input rows it reads): a few per thread.
  const int threads = pool != nullptr ? pool->size() : 1;
  const int64_t oh_count = s.out_h();
  const int64_t chunks_per_image = std::min<int64_t>(oh_count, std::max<int64_t>(1, (4 * threads + s.batch - 1) / s.batch));
  const int64_t chunk = (oh_count + chunks_per_image - 1) / chunks_per_image;
  const int64_t tasks = s.batch * chunks_per_image;
  auto run_task = [&](int64_t task) {
    const int64_t n = task / chunks_per_image, oh0 = task % chunks_per_image * chunk;
    if (oh0 < oh_count) run_rows(v, s, p, finish, n, oh0, std::min(oh_count, oh0 + chunk));
  };
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run_task(task);
  } else {
    pool->parallel_for(tasks, run_task);
  }
}

}  // namespace kiln::lowp_conv

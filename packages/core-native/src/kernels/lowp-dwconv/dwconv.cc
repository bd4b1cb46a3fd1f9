// qu8_dwconv driver, variant list, weight packing and scalar reference (the oracle of the vector
// rows: integer sums are exact and the finish is the same fp32 operations, so they match bit for
// bit).
#include "dwconv.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/f32-gemm/scratch.h"
#include "kernels/f32-gemm/ukernels.h"
#include "runtime/thread_pool.h"

namespace kiln::lowp_dwconv {
namespace {

const DwVariant kVariants[] = {
    {"qu8_dwconv__avx512vnni", Isa::kAvx512Vnni, quad_row__avx512vnni, dw_row__avx512vnni,
     f32_gemm::f32_epilogue_row__avx512},
    {"qu8_dwconv__scalar", Isa::kScalar, quad_row__scalar, dw_row__scalar, f32_gemm::f32_epilogue_row__scalar},
};

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// Whether the epilogue is bias + ReLU/Clip/none (finished in the row kernels' registers).
bool clamp_only(const f32_gemm::Epilogue& e, float* lo, float* hi) {
  const float infinity = std::numeric_limits<float>::infinity();
  switch (e.activation) {
    case f32_gemm::Activation::kNone: *lo = -infinity, *hi = infinity; return true;
    case f32_gemm::Activation::kRelu: *lo = 0.0f, *hi = infinity; return true;
    case f32_gemm::Activation::kClip: *lo = e.alpha, *hi = e.beta; return true;
    default: *lo = -infinity, *hi = infinity; return false;
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

// Output rows [oh0, oh1) of image n, channels [cb, ce) (whole 16-channel vectors). Input rows
// become quad rows in a window of `span` slots (slot ih % span), each built once when first
// needed; rows in the padding read `zx_row`. Only the range's channels are copied, built and
// stored; buffers keep the whole row's layout.
void run_rows(const DwVariant& v, const ConvShape& s, const DwParams& p, int64_t n, int64_t oh0, int64_t oh1,
              int64_t cb, int64_t ce) {
  const int64_t c_count = s.in_c, padded_c = padded_channels(s), groups = tap_groups(s);
  const int64_t sw = s.stride_w, dw = s.dilation_w, ow_count = s.out_w();
  const int64_t step = (4 * dw) % sw == 0 ? sw : 1;
  const int64_t count = ((ow_count - 1) * sw + (groups - 1) * 4 * dw) / step + 1;
  const int64_t columns = (count - 1) * step + 3 * dw + 1;  // of the padded row E
  const int64_t span = (s.kernel_h - 1) * s.dilation_h + 1, quad_bytes = count * padded_c * 4;
  const int64_t row_size = s.in_w * c_count, out_size = ow_count * c_count;
  const bool quantized_out = p.output_u8 != nullptr;
  const int64_t bytes = (span + 1) * round_up(quad_bytes, 64) + round_up(columns * c_count, 64) +
                        3 * round_up(padded_c * 4, 64) + round_up(out_size * 4, 64) + 64;
  Carve carve{reinterpret_cast<uint8_t*>(f32_gemm::thread_scratch(static_cast<size_t>(bytes / 4), 1))};
  assert(carve.at != nullptr);
  uint8_t* window = carve.take<uint8_t>(span * round_up(quad_bytes, 64));
  uint8_t* zx_row = carve.take<uint8_t>(quad_bytes);
  uint8_t* padded = carve.take<uint8_t>(columns * c_count);
  float* multiplier = carve.take<float>(padded_c);
  float* offset = carve.take<float>(padded_c);
  int32_t* zx_sum = carve.take<int32_t>(padded_c);
  float* buffer = carve.take<float>(out_size);

  const PackedWeights w = packed_view(s, p.weights);
  const uint8_t* image = p.input + n * s.in_h * row_size;
  const int32_t zx = p.input_grid.zero_point;
  RowStore store{};
  const bool fused = clamp_only(p.epilogue, &store.lo, &store.hi);
  // A fused uint8 output folds 1 / output scale and the zero point into the multiplier and offset.
  float inverse = 1.0f, zero_point = 0.0f;
  if (fused && quantized_out) {
    lowp_gemm::RowFinish folded{};
    folded.lo = store.lo, folded.hi = store.hi, folded.output = p.output_grid;
    lowp_gemm::prepare_requantize(&folded);
    inverse = folded.inverse, zero_point = static_cast<float>(p.output_grid.zero_point);
    store.lo = folded.q_lo + zero_point, store.hi = folded.q_hi + zero_point;
  }
  for (int64_t c = cb; c < ce; ++c) {
    const bool real = c < c_count;
    const float scale = real ? p.input_grid.scale * w.scale[c] : 0.0f;
    const float bias = real && p.epilogue.bias != nullptr ? p.epilogue.bias[c] : 0.0f;
    multiplier[c] = scale * inverse;
    offset[c] = bias * inverse + zero_point;
    zx_sum[c] = real ? -zx * w.sum[c] : 0;
  }
  // E's padding columns hold zx; its image columns are copied per row. The whole row at once
  // when the range covers every channel, else the range's bytes of each column.
  const int64_t left = std::min(columns, s.pad_left), image_end = std::min(columns, s.pad_left + s.in_w);
  const int64_t c_real = std::min(ce, c_count) - cb;
  const bool whole = cb == 0 && c_real == c_count;
  if (whole) {
    std::memset(zx_row, zx, static_cast<size_t>(quad_bytes));
    std::memset(padded, zx, static_cast<size_t>(columns * c_count));
  } else {
    std::memset(zx_row + quad_at(count, 0, cb), zx, static_cast<size_t>((ce - cb) * count * 4));
    for (int64_t column = 0; column < columns; ++column) {
      std::memset(padded + column * c_count + cb, zx, static_cast<size_t>(c_real));
    }
  }
  auto copy_row = [&](int64_t ih) {
    if (image_end <= left) return;
    const uint8_t* from = image + ih * row_size + (left - s.pad_left) * c_count;
    if (whole) {
      std::memcpy(padded + left * c_count, from, static_cast<size_t>((image_end - left) * c_count));
      return;
    }
    // 16 bytes at a time, one vector move each (a library call per pixel was most of the cost of
    // a channel group's rows when 56-pixel rows were split in groups of 32 channels).
    const int64_t body = c_real / 16 * 16;
    for (int64_t column = 0; column < image_end - left; ++column) {
      uint8_t* to = padded + (left + column) * c_count + cb;
      const uint8_t* at = from + column * c_count + cb;
      for (int64_t b = 0; b < body; b += 16) std::memcpy(to + b, at + b, 16);
      if (body < c_real) std::memcpy(to + body, at + body, static_cast<size_t>(c_real - body));
    }
  };

  store.multiplier = multiplier, store.offset = offset;
  std::vector<int64_t> held(static_cast<size_t>(span), -1);
  std::vector<const uint8_t*> rows(static_cast<size_t>(s.kernel_h));
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      if (ih < 0 || ih >= s.in_h) {
        rows[kh] = zx_row;
        continue;
      }
      uint8_t* slot = window + (ih % span) * round_up(quad_bytes, 64);
      if (held[ih % span] != ih) {
        copy_row(ih);
        v.quad_row(padded, count, step, dw, c_count, cb, ce, slot);
        held[ih % span] = ih;
      }
      rows[kh] = slot;
    }
    const int64_t r = n * s.out_h() + oh;
    float* out = quantized_out ? buffer : p.output + r * out_size;
    store.out = fused && quantized_out ? nullptr : out;
    store.out_u8 = fused && quantized_out ? p.output_u8 + r * out_size : nullptr;
    v.row(s, w.quads, RowInput{rows.data(), step, cb, ce, count}, zx_sum, store);
    if (fused) continue;
    for (int64_t ow = 0; ow < ow_count; ++ow) {
      v.epilogue_row(out + ow * c_count + cb, c_real, nullptr, nullptr, p.epilogue);
    }
    if (!quantized_out) continue;
    // The range's values of each pixel; the whole row in one call when the range is every channel.
    const int64_t pieces = whole ? 1 : ow_count, piece = whole ? out_size : c_real;
    for (int64_t i = 0; i < pieces; ++i) {
      const int64_t at = i * c_count + cb;
      lowp_gemm::requantize_row_u8_for(v.isa, out + at, piece, p.output_grid, p.output_u8 + r * out_size + at);
    }
  }
}

}  // namespace

const DwVariant* dw_variants() { return kVariants; }
size_t dw_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const DwVariant* find_dw_variant(const char* name) {
  for (const DwVariant& v : kVariants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  return nullptr;
}

bool applies(const ConvShape& s) { return s.valid() && s.groups == s.in_c && s.out_c == s.in_c; }

int64_t padded_channels(const ConvShape& s) { return round_up(s.in_c, 16); }
int64_t tap_groups(const ConvShape& s) { return (s.kernel_w + 3) / 4; }

size_t packed_words(const ConvShape& s) {
  return static_cast<size_t>(2 * s.in_c + s.kernel_h * tap_groups(s) * padded_channels(s));
}

PackedWeights packed_view(const ConvShape& s, const void* packed) {
  const float* scale = static_cast<const float*>(packed);
  const int32_t* sum = reinterpret_cast<const int32_t*>(scale + s.in_c);
  return {scale, sum, reinterpret_cast<const int8_t*>(sum + s.in_c)};
}

void pack(const ConvShape& s, const float* weights, void* packed) {
  const int64_t taps = s.kernel_h * s.kernel_w, groups = tap_groups(s), padded_c = padded_channels(s);
  float* scale = static_cast<float*>(packed);
  int32_t* sum = reinterpret_cast<int32_t*>(scale + s.in_c);
  int8_t* quads = reinterpret_cast<int8_t*>(sum + s.in_c);
  std::memset(quads, 0, static_cast<size_t>(s.kernel_h * groups * padded_c * 4));
  for (int64_t c = 0; c < s.in_c; ++c) {
    const float* wc = weights + c * taps;
    float largest = 0.0f;
    for (int64_t t = 0; t < taps; ++t) largest = std::max(largest, std::fabs(wc[t]));
    scale[c] = largest / 127.0f;
    sum[c] = 0;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
        const float q = largest > 0.0f ? std::nearbyint(wc[kh * s.kernel_w + kw] / scale[c]) : 0.0f;
        const int8_t wq = static_cast<int8_t>(std::min(127.0f, std::max(-127.0f, q)));
        quads[((kh * groups + kw / 4) * padded_c + c) * 4 + kw % 4] = wq;
        sum[c] += wq;
      }
    }
  }
}

void quad_row__scalar(const uint8_t* padded, int64_t count, int64_t step, int64_t dilation, int64_t c_count,
                      int64_t c_begin, int64_t c_end, uint8_t* quads) {
  std::memset(quads + quad_at(count, 0, c_begin), 0, static_cast<size_t>((c_end - c_begin) * count * 4));
  for (int64_t q = 0; q < count; ++q) {
    for (int64_t c = c_begin; c < std::min(c_end, c_count); ++c) {
      for (int64_t j = 0; j < 4; ++j) quads[quad_at(count, q, c) + j] = padded[(q * step + j * dilation) * c_count + c];
    }
  }
}

void dw_row__scalar(const ConvShape& s, const int8_t* weights, const RowInput& input, const int32_t* zx_sum,
                    const RowStore& store) {
  const int64_t c_count = s.in_c, padded_c = padded_channels(s), groups = tap_groups(s);
  for (int64_t ow = 0; ow < s.out_w(); ++ow) {
    for (int64_t c = input.c_begin; c < std::min(input.c_end, c_count); ++c) {
      int32_t acc = zx_sum[c];
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        for (int64_t g = 0; g < groups; ++g) {
          const int64_t q = (ow * s.stride_w + 4 * g * s.dilation_w) / input.step;
          const uint8_t* x = input.quads[kh] + quad_at(input.count, q, c);
          const int8_t* w = weights + ((kh * groups + g) * padded_c + c) * 4;
          for (int j = 0; j < 4; ++j) acc += static_cast<int32_t>(x[j]) * w[j];
        }
      }
      const float v = std::fma(static_cast<float>(acc), store.multiplier[c], store.offset[c]);
      const float clamped = std::min(store.hi, std::max(store.lo, v));
      if (store.out_u8 != nullptr) {
        store.out_u8[ow * c_count + c] = static_cast<uint8_t>(std::nearbyint(clamped));
      } else {
        store.out[ow * c_count + c] = clamped;
      }
    }
  }
}

void run(const DwVariant& v, const ConvShape& s, const DwParams& p, ThreadPool* pool) {
  assert(applies(s) && p.input != nullptr && p.weights != nullptr && (p.output != nullptr || p.output_u8 != nullptr));
  // A few tasks per thread (stealing evens them out), one on a single thread. A task is a chunk
  // of output rows of one image and builds the quad rows of its input rows once. Chunks of fewer
  // than kMinRows rows rebuild much of what their neighbours build (a chunk of one row at stride 1
  // builds three input rows for it: 7x7 and 14x14 images ran barely faster at two threads than at
  // one), so such images run whole and their tasks split the channels instead (whole 16-channel
  // vectors, each task building only its own). Larger images keep all channels per task: split in
  // channel groups as well, mobilenet_v2's 56x56 ones ran slower (with a library copy per pixel
  // then) and its 28x28 ones in 4 chunks x 2 groups no faster.
  constexpr int64_t kMinRows = 4;
  const int threads = pool != nullptr ? pool->size() : 1;
  const int64_t wanted = threads > 1 ? 4 * threads : 1, out_h = s.out_h(), vectors = padded_channels(s) / 16;
  const int64_t per_image = std::max<int64_t>(1, (wanted + s.batch - 1) / s.batch);
  const bool by_rows = (out_h + per_image - 1) / per_image >= kMinRows || vectors == 1;
  const int64_t chunks = by_rows ? std::min(out_h, per_image) : 1;
  const int64_t chunk = (out_h + chunks - 1) / chunks;
  const int64_t groups = by_rows ? 1 : std::min(vectors, per_image);
  const int64_t group = (vectors + groups - 1) / groups;  // vectors per group
  const int64_t tasks = s.batch * chunks * groups;
  auto run_task = [&](int64_t task) {
    const int64_t n = task / (chunks * groups), oh0 = task / groups % chunks * chunk, g = task % groups;
    const int64_t cb = g * group * 16, ce = std::min(vectors, (g + 1) * group) * 16;
    if (oh0 < out_h && cb < ce) run_rows(v, s, p, n, oh0, std::min(out_h, oh0 + chunk), cb, ce);
  };
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run_task(task);
  } else {
    pool->parallel_for(tasks, run_task);
  }
}

}  // namespace kiln::lowp_dwconv

// NCHW-input convolution driver: variant list, weight packing, the per-row padded input copy and
// the split of output rows over threads; and the plain-loop reference.
#include "stem.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/f32-gemm/scratch.h"
#include "kernels/f32-gemm/ukernels.h"
#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"

namespace kiln::f32_conv {
namespace {

// Fastest-first within an ISA (6x64 for stems of 33+ channels; 14x32 keeps more accumulators
// busy below that: the tuner times both; 32x4 for few output channels); the reference last,
// always applicable.
const NchwConvVariant kVariants[] = {
    {"f32_conv_nchw_6x64__avx512", Isa::kAvx512, false, 64, 16, f32_conv_nchw_6x64__avx512},
    {"f32_conv_nchw_14x32__avx512", Isa::kAvx512, false, 32, 16, f32_conv_nchw_14x32__avx512},
    {"f32_conv_nchw_32x4__avx512", Isa::kAvx512, false, 4, 1, f32_conv_nchw_32x4__avx512, true},
    {"f32_conv_nchw_6x16__avx2", Isa::kAvx2, false, 16, 8, f32_conv_nchw_6x16__avx2},
    {"f32_conv_nchw_4x8__scalar", Isa::kScalar, false, 8, 1, f32_conv_nchw_4x8__scalar},
    {"f32_conv_nchw_direct__scalar", Isa::kScalar, false, 0, 0, nullptr},
};

// The same tiles with a bfloat16 store (AVX512-BF16's conversion first: fewer instructions than
// the integer rounding, the same bytes).
const NchwConvVariant kBf16Variants[] = {
    {"bf16_conv_nchw_32x32__amx", Isa::kAmx, true, 32, 16, nullptr, false, true},
    {"bf16_conv_nchw_6x64__avx512bf16", Isa::kAvx512Bf16, true, 64, 16, bf16_conv_nchw_6x64__avx512bf16},
    {"bf16_conv_nchw_14x32__avx512bf16", Isa::kAvx512Bf16, true, 32, 16, bf16_conv_nchw_14x32__avx512bf16},
    {"bf16_conv_nchw_6x64__avx512", Isa::kAvx512, true, 64, 16, bf16_conv_nchw_6x64__avx512},
    {"bf16_conv_nchw_14x32__avx512", Isa::kAvx512, true, 32, 16, bf16_conv_nchw_14x32__avx512},
    {"bf16_conv_nchw_6x16__avx2", Isa::kAvx2, true, 16, 8, bf16_conv_nchw_6x16__avx2},
    {"bf16_conv_nchw_4x8__scalar", Isa::kScalar, true, 8, 1, bf16_conv_nchw_4x8__scalar},
    {"bf16_conv_nchw_direct__scalar", Isa::kScalar, true, 0, 0, nullptr},
};

int64_t round_up(int64_t value, int64_t granule) { return (value + granule - 1) / granule * granule; }

int64_t taps_of(const ConvShape& s) { return s.in_c * s.kernel_h * s.kernel_w; }

// Output columns whose taps all fall inside the image horizontally: [*begin, *end).
void interior_columns(const ConvShape& s, int64_t* begin, int64_t* end) {
  const int64_t ow_count = s.out_w();
  const int64_t span = s.in_w - 1 + s.pad_left - (s.kernel_w - 1) * s.dilation_w;
  *begin = std::min(ow_count, (s.pad_left + s.stride_w - 1) / s.stride_w);
  *end = std::max(*begin, std::min(ow_count, span < 0 ? 0 : span / s.stride_w + 1));
}

// Points the taps k = (ci, kh, kw) of output columns [ow_begin, ow_end) of row `oh` of image `n`:
// into the NCHW planes for interior columns, else into zero-padded copies of the padded-row
// columns they read, written to `copies`; rows outside the image read `zeros`.
void point_taps(const ConvShape& s, const float* input, int64_t n, int64_t oh, int64_t ow_begin, int64_t ow_end,
                bool interior, float* copies, const float* zeros, const float** taps) {
  // Padded-row columns the range reads: [first, first + width).
  const int64_t first = ow_begin * s.stride_w;
  const int64_t width = (ow_end - 1 - ow_begin) * s.stride_w + (s.kernel_w - 1) * s.dilation_w + 1;
  for (int64_t ci = 0, k = 0; ci < s.in_c; ++ci) {
    const float* plane = input + (n * s.in_c + ci) * s.in_h * s.in_w;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      const float* row = zeros;
      if (ih >= 0 && ih < s.in_h && interior) {
        row = plane + ih * s.in_w + first - s.pad_left;
      } else if (ih >= 0 && ih < s.in_h) {
        float* copy = copies;
        copies += width;
        for (int64_t c = 0; c < width; ++c) {
          const int64_t iw = first + c - s.pad_left;
          copy[c] = iw >= 0 && iw < s.in_w ? plane[ih * s.in_w + iw] : 0.0f;
        }
        row = copy;
      }
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) taps[k++] = row + kw * s.dilation_w;
    }
  }
}

}  // namespace

bool nchw_conv_applies(const ConvShape& s) {
  const bool few_outputs = s.out_c <= kNchwConvMaxOutputChannels && s.stride_w == 1 && s.dilation_w == 1;
  return s.valid() && s.groups == 1 && (s.in_c <= kNchwConvMaxInputChannels || few_outputs);
}

bool nchw_conv_variant_applies(const NchwConvVariant& v, const ConvShape& s) {
  if (v.amx) return amx_stem_applies(s);
  if (!nchw_conv_applies(s) || v.row == nullptr) return nchw_conv_applies(s);
  if (v.few_outputs) return s.out_c <= kNchwConvMaxOutputChannels && s.stride_w == 1 && s.dilation_w == 1;
  return s.in_c <= kNchwConvMaxInputChannels;
}

const NchwConvVariant* nchw_conv_variants() { return kVariants; }
size_t nchw_conv_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const NchwConvVariant* bf16_nchw_conv_variants() { return kBf16Variants; }
size_t bf16_nchw_conv_variant_count() { return sizeof(kBf16Variants) / sizeof(kBf16Variants[0]); }

const NchwConvVariant* find_nchw_conv_variant(const char* name) {
  for (const NchwConvVariant& v : kVariants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  for (const NchwConvVariant& v : kBf16Variants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  return nullptr;
}

size_t nchw_conv_packed_size(const NchwConvVariant& v, const ConvShape& s) {
  assert(nchw_conv_applies(s));
  if (v.amx) return amx_stem_packed_size(s);
  if (v.row == nullptr) return static_cast<size_t>(s.out_c * taps_of(s));
  const int64_t full = s.out_c / v.nr, rest = s.out_c % v.nr;
  return static_cast<size_t>(taps_of(s) * (full * v.nr + round_up(rest, v.lanes)));
}

void nchw_conv_pack(const NchwConvVariant& v, const ConvShape& s, const float* weights, float* packed) {
  assert(nchw_conv_applies(s) && weights != nullptr && packed != nullptr);
  const int64_t k_count = taps_of(s);
  if (v.amx) {
    amx_stem_pack(s, weights, packed);
    return;
  }
  if (v.row == nullptr) {
    std::memcpy(packed, weights, sizeof(float) * s.out_c * k_count);
    return;
  }
  for (int64_t c0 = 0; c0 < s.out_c; c0 += v.nr) {
    const int64_t channels = std::min<int64_t>(v.nr, s.out_c - c0), width = round_up(channels, v.lanes);
    for (int64_t k = 0; k < k_count; ++k) {
      float* dst = packed + k * width;
      for (int64_t c = 0; c < width; ++c) dst[c] = c < channels ? weights[(c0 + c) * k_count + k] : 0.0f;
    }
    packed += k_count * width;
  }
}

namespace {

// Output rows of a tiled variant over the pool; `output` is float or bf16 (v.output_bf16).
void run_rows(const NchwConvVariant& v, const ConvShape& s, const ConvParams& p, void* output, ThreadPool* pool) {
  assert(nchw_conv_applies(s) && p.input != nullptr && p.packed_weights != nullptr && output != nullptr);
  assert(p.output_stride == 0 || p.output_stride >= s.out_c);
  const int64_t pixel_stride = p.output_stride > 0 ? p.output_stride : s.out_c;
  const size_t value_bytes = v.output_bf16 ? sizeof(uint16_t) : sizeof(float);
  const int64_t oh_count = s.out_h(), ow_count = s.out_w(), rows = s.batch * oh_count;
  // Columns of a padded row: (ow_count - 1) * stride_w + (kernel_w - 1) * dilation_w, the last
  // one any tap reads, stays below pad_left + in_w + pad_right by the output size formula.
  const int64_t row_width = s.pad_left + s.in_w + s.pad_right;
  const int64_t k_count = taps_of(s), copies = s.in_c * s.kernel_h * row_width;
  int64_t interior_begin, interior_end;
  interior_columns(s, &interior_begin, &interior_end);
  const int threads = pool != nullptr ? pool->size() : 1;
  const double work = 2.0 * rows * ow_count * s.out_c * k_count;
  // Rows are independent: split when each thread gets a few of them and enough arithmetic.
  const int64_t chunks = threads > 1 && work > 1e6 && rows >= 4 * threads ? std::min<int64_t>(rows, threads * 4) : 1;
  const int64_t per_chunk = (rows + chunks - 1) / chunks;
  auto run = [&](int64_t chunk) {
    // Per thread (64-byte aligned scratch): the tap pointers, a row of zeros, the edge copies.
    const int64_t pointer_floats = round_up(static_cast<int64_t>(sizeof(const float*) / sizeof(float)) * k_count, 16);
    float* scratch = f32_gemm::thread_scratch(static_cast<size_t>(pointer_floats + row_width + copies), 1);
    const float** taps = reinterpret_cast<const float**>(scratch);
    float* zeros = scratch + pointer_floats;
    std::memset(zeros, 0, sizeof(float) * row_width);
    NchwRowArgs args;
    args.shape = &s;
    args.taps = taps;
    args.weights = p.packed_weights;
    args.bias = p.epilogue.bias;
    args.epilogue = &p.epilogue;
    args.output_stride = pixel_stride;
    const int64_t end = std::min(rows, (chunk + 1) * per_chunk);
    for (int64_t index = chunk * per_chunk; index < end; ++index) {
      args.residual = p.epilogue.residual != nullptr ? p.epilogue.residual + index * ow_count * s.out_c : nullptr;
      args.output = static_cast<char*>(output) + index * ow_count * pixel_stride * value_bytes;
      // Left edge, interior (read in place), right edge.
      const int64_t bounds[4] = {0, interior_begin, interior_end, ow_count};
      for (int part = 0; part < 3; ++part) {
        if (bounds[part] >= bounds[part + 1]) continue;
        point_taps(s, p.input, index / oh_count, index % oh_count, bounds[part], bounds[part + 1], part == 1,
                   zeros + row_width, zeros, taps);
        args.ow_begin = bounds[part];
        args.ow_end = bounds[part + 1];
        v.row(args);
      }
    }
  };
  if (chunks == 1) {
    run(0);
  } else {
    pool->parallel_for(chunks, run);
  }
}

// The plain loops; store(pixel offset + channel, value) writes one output value.
template <class Store>
void reference_rows(const ConvShape& s, const ConvParams& p, Store store) {
  assert(nchw_conv_applies(s) && p.input != nullptr && p.packed_weights != nullptr);
  const int64_t oh_count = s.out_h(), ow_count = s.out_w();
  const Epilogue& ep = p.epilogue;
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t oh = 0; oh < oh_count; ++oh) {
      for (int64_t ow = 0; ow < ow_count; ++ow) {
        const int64_t pixel = (n * oh_count + oh) * ow_count + ow, at = pixel * s.out_c;
        const int64_t out = pixel * (p.output_stride > 0 ? p.output_stride : s.out_c);
        for (int64_t co = 0; co < s.out_c; ++co) {
          float sum = 0.0f;
          for (int64_t ci = 0; ci < s.in_c; ++ci) {
            for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
              const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
              if (ih < 0 || ih >= s.in_h) continue;
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                if (iw < 0 || iw >= s.in_w) continue;
                sum += p.input[((n * s.in_c + ci) * s.in_h + ih) * s.in_w + iw] *
                       p.packed_weights[((co * s.in_c + ci) * s.kernel_h + kh) * s.kernel_w + kw];
              }
            }
          }
          if (ep.bias != nullptr) sum += ep.bias[co];
          if (ep.residual != nullptr) sum += ep.residual[at + co];
          store(out + co, f32_gemm::activate_scalar(sum, ep));
        }
      }
    }
  }
}

}  // namespace

void nchw_conv_run(const NchwConvVariant& v, const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  assert(!v.output_bf16 && p.output != nullptr);
  if (v.row == nullptr) {
    nchw_conv_reference_run(s, p);
    return;
  }
  run_rows(v, s, p, p.output, pool);
}

void nchw_conv_run_bf16(const NchwConvVariant& v, const ConvShape& s, const ConvParams& p, uint16_t* output,
                        ThreadPool* pool) {
  assert(v.output_bf16 && p.output == nullptr && output != nullptr);
  if (v.amx) {
    amx_stem_run(s, p, output, pool);
    return;
  }
  if (v.row == nullptr) {
    nchw_conv_reference_run_bf16(s, p, output);
    return;
  }
  run_rows(v, s, p, output, pool);
}

bool amx_stem_applies(const ConvShape& s) {
  return nchw_conv_applies(s) && s.in_c <= 4 && s.kernel_w <= 8 && s.kernel_h <= 16 && s.dilation_w == 1;
}

size_t amx_stem_packed_size(const ConvShape& s) {
  // (out_c / 32 panels) x kernel_h x (kernel_w * 4 / 2) pair rows of 32 x 2 bf16 (32 floats).
  return static_cast<size_t>((s.out_c + 31) / 32 * s.kernel_h * s.kernel_w * 2 * 32);
}

void amx_stem_pack(const ConvShape& s, const float* weights, float* packed) {
  assert(amx_stem_applies(s) && weights != nullptr && packed != nullptr);
  uint16_t* out = reinterpret_cast<uint16_t*>(packed);
  const int64_t pairs = s.kernel_w * 2;  // (kernel_w * 4 values of k) / 2 per pair row
  for (int64_t panel = 0; panel < (s.out_c + 31) / 32; ++panel) {
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      for (int64_t r = 0; r < pairs; ++r) {
        for (int64_t col = 0; col < 32; ++col) {
          for (int64_t t = 0; t < 2; ++t) {
            const int64_t k = 2 * r + t, kw = k / 4, ci = k % 4, co = panel * 32 + col;
            const bool real = co < s.out_c && ci < s.in_c;
            const float w = real ? weights[((co * s.in_c + ci) * s.kernel_h + kh) * s.kernel_w + kw] : 0.0f;
            *out++ = lowp_gemm::float_to_bf16(w);
          }
        }
      }
    }
  }
}

void nchw_conv_reference_run(const ConvShape& s, const ConvParams& p) {
  assert(p.output != nullptr);
  reference_rows(s, p, [&](int64_t at, float value) { p.output[at] = value; });
}

void nchw_conv_reference_run_bf16(const ConvShape& s, const ConvParams& p, uint16_t* output) {
  assert(output != nullptr);
  reference_rows(s, p, [&](int64_t at, float value) { output[at] = lowp_gemm::float_to_bf16(value); });
}

}  // namespace kiln::f32_conv

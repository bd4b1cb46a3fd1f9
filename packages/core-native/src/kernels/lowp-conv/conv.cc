// Reduced-precision Conv2D: per group C[rows, out_c/g] = A[rows, kh*kw*in_c/g] · W_g on a
// lowp-gemm variant, A being the input itself (1x1, stride 1, no padding) or an im2col block of
// output rows (zero taps are real zeros: qu8 quantizes them to its zero point).
#include "conv.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "conv_1x1_small_k.h"
#include "kernels/f32-conv/conv-gemm.h"
#include "kernels/f32-conv/variants.h"
#include "kernels/f32-gemm/scratch.h"
#include "kernels/lowp-gemm/bf16_io.h"
#include "kernels/lowp-gemm/pack.h"
#include "runtime/thread_pool.h"

namespace kiln::lowp_conv {
namespace {

using lowp_gemm::LowpVariant;

const ConvVariant kVariants[] = {
    {"bf16_conv_1x1_32x32__amx", Isa::kAmx, "bf16_gemm_32x32__amx", true},
    {"bf16_conv_im2col_32x32__amx", Isa::kAmx, "bf16_gemm_32x32__amx", false},
    {"bf16_conv_1x1_14x32c2__avx512bf16", Isa::kAvx512Bf16, "bf16_gemm_14x32c2__avx512bf16", true},
    {"bf16_conv_im2col_14x32c2__avx512bf16", Isa::kAvx512Bf16, "bf16_gemm_14x32c2__avx512bf16", false},
    {"bf16_conv_winograd_4x4_14x32__avx512", Isa::kAvx512, "bf16_gemm_4x4c2__scalar", false, false,
     "f32_conv_winograd_4x4_14x32__avx512"},
    {"bf16_conv_winograd_2x2_14x32__avx512", Isa::kAvx512, "bf16_gemm_4x4c2__scalar", false, false,
     "f32_conv_winograd_2x2_14x32__avx512"},
    {"bf16_conv_winograd_4x4_6x16__avx2", Isa::kAvx2, "bf16_gemm_4x4c2__scalar", false, false,
     "f32_conv_winograd_4x4_6x16__avx2"},
    {"bf16_conv_winograd_2x2_6x16__avx2", Isa::kAvx2, "bf16_gemm_4x4c2__scalar", false, false,
     "f32_conv_winograd_2x2_6x16__avx2"},
    {"bf16_conv_im2col_4x4c2__scalar", Isa::kScalar, "bf16_gemm_4x4c2__scalar", false},
    {"f16_conv_1x1_8x32__avx512fp16", Isa::kAvx512Fp16, "f16_gemm_8x32__avx512fp16", true},
    {"f16_conv_im2col_8x32__avx512fp16", Isa::kAvx512Fp16, "f16_gemm_8x32__avx512fp16", false},
    {"f16_conv_im2col_4x4__scalar", Isa::kScalar, "f16_gemm_4x4__scalar", false},
    {"qu8_conv_1x1_32x32__amx", Isa::kAmx, "qu8_gemm_32x32__amx", true},
    {"qu8_conv_im2col_32x32__amx", Isa::kAmx, "qu8_gemm_32x32__amx", false},
    {"qu8_conv_1x1_14x32c4__avx512vnni", Isa::kAvx512Vnni, "qu8_gemm_14x32c4__avx512vnni", true},
    {"qu8_conv_im2col_14x32c4__avx512vnni", Isa::kAvx512Vnni, "qu8_gemm_14x32c4__avx512vnni", false},
    {"qu8_conv_1x1_smallk_64c4__avx512vnni", Isa::kAvx512Vnni, "qu8_gemm_14x32c4__avx512vnni", true, true},
    {"qu8_conv_1x1_6x8c4__avx2", Isa::kAvx2, "qu8_gemm_6x8c4__avx2", true},
    {"qu8_conv_im2col_6x8c4__avx2", Isa::kAvx2, "qu8_gemm_6x8c4__avx2", false},
    {"qu8_conv_im2col_4x4c4__scalar", Isa::kScalar, "qu8_gemm_4x4c4__scalar", false},
};

// Copies n bytes; spans of 8..16 bytes (a stem's kernel_w x 3 channels) as two overlapping 8-byte moves.
inline void copy_span(uint8_t* dst, const uint8_t* src, int64_t n) {
  if (n >= 8 && n <= 16) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else {
    std::memcpy(dst, src, static_cast<size_t>(n));
  }
}

// f32_conv::im2col for uint8 NHWC input: rows [m0, m0 + rows) of group g, K = (kh, kw, ci), each
// row `stride` bytes (>= K; the bytes past K are zeroed); padding taps take the zero point (the
// quantized 0). A tap row wholly inside the image with one group and no dilation is one
// contiguous span of kernel_w * in_c input bytes.
void im2col_u8(const ConvShape& s, const uint8_t* input, int64_t g, int64_t m0, int64_t rows, uint8_t zero_point,
               int64_t stride, uint8_t* col) {
  const int64_t cin_g = s.in_c / s.groups, oh_count = s.out_h(), ow_count = s.out_w();
  const int64_t k = s.kernel_h * s.kernel_w * cin_g, span = s.kernel_w * cin_g;
  const bool spans = s.groups == 1 && s.dilation_w == 1;
  int64_t n = m0 / (oh_count * ow_count), oh = m0 / ow_count % oh_count, ow = m0 % ow_count;
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* dst = col + r * stride;
    const int64_t iw0 = ow * s.stride_w - s.pad_left;
    const bool columns_inside = spans && iw0 >= 0 && iw0 + s.kernel_w <= s.in_w;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      if (ih < 0 || ih >= s.in_h) {
        std::memset(dst, zero_point, static_cast<size_t>(span));
        dst += span;
        continue;
      }
      const uint8_t* image_row = input + (n * s.in_h + ih) * s.in_w * s.in_c + g * cin_g;
      if (columns_inside) {
        copy_span(dst, image_row + iw0 * s.in_c, span);
        dst += span;
        continue;
      }
      for (int64_t kw = 0; kw < s.kernel_w; ++kw, dst += cin_g) {
        const int64_t iw = iw0 + kw * s.dilation_w;
        if (iw < 0 || iw >= s.in_w) {
          std::memset(dst, zero_point, static_cast<size_t>(cin_g));
        } else {
          std::memcpy(dst, image_row + iw * s.in_c, static_cast<size_t>(cin_g));
        }
      }
    }
    for (int64_t j = k; j < stride; ++j) col[r * stride + j] = 0;
    if (++ow == ow_count) {
      ow = 0;
      if (++oh == oh_count) oh = 0, ++n;
    }
  }
}

// The fp32 input of a qu8 im2col conv quantized once (each value feeds up to kh * kw taps), into
// a per-thread buffer reused across runs; the same quantization the A packers apply.
const uint8_t* quantize_input(const LowpVariant& gemm, const ConvShape& s, const float* input,
                              const lowp_gemm::Quantization& q, ThreadPool* pool) {
  thread_local std::vector<uint8_t> buffer;
  const int64_t count = s.batch * s.in_h * s.in_w * s.in_c;
  if (static_cast<int64_t>(buffer.size()) < count) buffer.resize(static_cast<size_t>(count));
  uint8_t* out = buffer.data();
  const bool avx512 = static_cast<int>(gemm.isa) >= static_cast<int>(Isa::kAvx512);
  constexpr int64_t kChunk = 16384;
  const int64_t chunks = (count + kChunk - 1) / kChunk;
  auto run_chunk = [&](int64_t i) {
    const int64_t first = i * kChunk, n = std::min(kChunk, count - first);
    if (avx512) {
      lowp_gemm::quantize_row_u8__avx512(input + first, n, q, out + first);
    } else {
      lowp_gemm::quantize_row_u8(input + first, n, q, out + first);
    }
  };
  if (pool == nullptr || chunks == 1) {
    for (int64_t i = 0; i < chunks; ++i) run_chunk(i);
  } else {
    pool->parallel_for(chunks, run_chunk);
  }
  return out;
}

int64_t group_bytes(const LowpVariant& gemm, int64_t k, int64_t n) {
  return (static_cast<int64_t>(lowp_gemm::packed_b_bytes(gemm, k, n)) + 63) / 64 * 64;
}

// qu8_conv_1x1_smallk: rows split over the pool, each task all output channels of its rows.
// False (the GEMM path runs instead) when the epilogue has no in-register finish (a scale).
bool run_small_k(const LowpVariant& gemm, const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  SmallKJob job;
  if (!lowp_gemm::finishable(p.epilogue, &job.finish)) return false;
  job.finish.output = p.output_quantization;
  job.finish.residual_grid = p.residual_grid;
  if (p.output_u8 != nullptr) lowp_gemm::prepare_requantize(&job.finish);
  const int64_t k = s.in_c, n = s.out_c, m = s.batch * s.out_h() * s.out_w();
  // The dequantize columns, as lowp-gemm's driver computes them (same expressions, same bytes).
  thread_local std::vector<float> columns;
  columns.resize(static_cast<size_t>(2 * n));
  const lowp_gemm::QuantizedB tail = lowp_gemm::quantized_b(gemm, k, n, p.packed_weights);
  const float za = static_cast<float>(p.quantization.zero_point);
  for (int64_t j = 0; j < n; ++j) {
    const float scale = p.quantization.scale * tail.scales[j];
    columns[j] = scale;
    const float bias = p.epilogue.bias != nullptr ? p.epilogue.bias[j] : 0.0f;
    columns[n + j] = bias - za * scale * static_cast<float>(tail.column_sums[j]);
  }
  job.shape = &s, job.params = &p;
  job.packed_b = static_cast<const uint8_t*>(p.packed_weights);
  job.kpad = lowp_gemm::padded_k(gemm, k);
  job.scale = columns.data(), job.offset = columns.data() + n;
  job.ldc = p.output_stride > 0 ? p.output_stride : n;
  const int threads = pool != nullptr ? pool->size() : 1;
  // A few tasks per thread (whole 64-row blocks), so a thread that falls behind can be helped.
  const int64_t blocks = (m + 63) / 64;
  const int64_t tasks = std::min<int64_t>(blocks, threads > 1 ? 4 * threads : 1);
  const int64_t chunk = (blocks + tasks - 1) / tasks * 64;
  auto run_task = [&](int64_t task) {
    const int64_t m0 = task * chunk;
    if (m0 < m) conv_1x1_small_k__avx512vnni(job, m0, std::min(m, m0 + chunk));
  };
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run_task(task);
  } else {
    pool->parallel_for(tasks, run_task);
  }
  return true;
}

}  // namespace

bool small_k_applies(const ConvShape& s) {
  return s.valid() && s.groups == 1 && s.kernel_h == 1 && s.kernel_w == 1 && s.pad_top == 0 && s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0 && s.in_c >= 2 &&
         s.in_c <= kSmallKMax;
}

const ConvVariant* conv_variants() { return kVariants; }
size_t conv_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const ConvVariant* find_conv_variant(const char* name) {
  for (const ConvVariant& v : kVariants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  return nullptr;
}

lowp_gemm::VariantRange format_range(lowp_gemm::Format format) {
  lowp_gemm::VariantRange range{conv_variant_count(), 0};
  for (size_t i = 0; i < conv_variant_count(); ++i) {
    if (gemm_of(kVariants[i]).format != format) continue;
    if (range.count == 0) range.first = i;
    ++range.count;
  }
  return range;
}

const LowpVariant& gemm_of(const ConvVariant& variant) {
  const LowpVariant* gemm = lowp_gemm::find_variant(variant.gemm);
  assert(gemm != nullptr);
  return *gemm;
}

namespace {

const f32_conv::ConvVariant& winograd_of(const ConvVariant& variant) {
  const f32_conv::ConvVariant* winograd = f32_conv::find_conv_variant(variant.winograd);
  assert(winograd != nullptr);
  return *winograd;
}

}  // namespace

bool applies(const ConvVariant& v, const ConvShape& s) {
  if (v.winograd != nullptr) return s.valid() && winograd_of(v).applies(s);
  // Depthwise-like groups (one input channel each) have no GEMM to speed up: f32-conv's direct
  // kernels serve them.
  if (!s.valid() || s.in_c / s.groups == 1) return false;
  if (v.small_k) return small_k_applies(s);
  if (!v.one_by_one) return true;
  return s.kernel_h == 1 && s.kernel_w == 1 && s.pad_top == 0 && s.pad_left == 0 && s.pad_bottom == 0 &&
         s.pad_right == 0;
}

size_t packed_bytes(const ConvVariant& v, const ConvShape& s) {
  assert(s.valid());
  if (v.winograd != nullptr) return (winograd_of(v).packed_size(s) * sizeof(float) + 63) / 64 * 64;
  const int64_t k = s.kernel_h * s.kernel_w * (s.in_c / s.groups);
  return static_cast<size_t>(s.groups * group_bytes(gemm_of(v), k, s.out_c / s.groups));
}

void pack(const ConvVariant& v, const ConvShape& s, const float* weights, const float* scales, int64_t scale_count,
          void* packed) {
  assert(s.valid() && weights != nullptr && packed != nullptr);
  if (v.winograd != nullptr) {
    winograd_of(v).pack(s, weights, static_cast<float*>(packed));
    return;
  }
  const LowpVariant& gemm = gemm_of(v);
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t taps = s.kernel_h * s.kernel_w, k = taps * cin_g;
  const int64_t bytes = group_bytes(gemm, k, cout_g);
  std::vector<float> b(static_cast<size_t>(k * cout_g));
  for (int64_t g = 0; g < s.groups; ++g) {
    f32_conv::gemm_weights(s, weights, g, b.data());
    const float* group_scales = scales == nullptr ? nullptr : scale_count == 1 ? scales : scales + g * cout_g;
    lowp_gemm::pack_b(gemm, k, cout_g, b.data(), cout_g, 1, group_scales, scale_count == 1 ? 1 : cout_g,
                      static_cast<uint8_t*>(packed) + g * bytes);
  }
}

void run(const ConvVariant& v, const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  if (v.winograd != nullptr) {
    assert(applies(v, s) && (p.input != nullptr || p.input_bf16 != nullptr) &&
           (p.output != nullptr || p.output_bf16 != nullptr));
    f32_conv::ConvParams wide;
    wide.input = p.input;
    wide.input_bf16 = p.input_bf16;
    wide.packed_weights = static_cast<const float*>(p.packed_weights);
    wide.output = p.output;
    wide.output_bf16 = p.output_bf16;
    wide.output_stride = p.output_stride;
    wide.epilogue = p.epilogue;
    wide.residual_bf16 = p.residual_bf16;
    winograd_of(v).run(s, wide, pool);
    return;
  }
  if (p.input_bf16 != nullptr || p.output_bf16 != nullptr || p.residual_bf16 != nullptr) return run_bf16_io(v, s, p, pool);
  if (lowp_gemm::io_for_fp32(gemm_of(v))) return run_bf16_io(v, s, p, pool);
  assert(applies(v, s) && (p.input != nullptr || p.input_u8 != nullptr) && p.packed_weights != nullptr &&
         (p.output != nullptr || p.output_u8 != nullptr) && (p.output_stride == 0 || p.output_stride >= s.out_c));
  const LowpVariant& gemm = gemm_of(v);
  if (v.small_k && run_small_k(gemm, s, p, pool)) return;
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t k = s.kernel_h * s.kernel_w * cin_g;
  const int64_t m = s.batch * s.out_h() * s.out_w();
  const int64_t bytes = group_bytes(gemm, k, cout_g);
  const int64_t ldc = p.output_stride > 0 ? p.output_stride : s.out_c;
  const bool direct = f32_conv::is_gemm_direct(s);
  // qu8 im2col over fp32 input: quantize the input once, then gather uint8 taps.
  const uint8_t* input_u8 = p.input_u8;
  if (!direct && input_u8 == nullptr && gemm.format == lowp_gemm::Format::kQu8) {
    input_u8 = quantize_input(gemm, s, p.input, p.quantization, pool);
  }
  const int64_t k_stride = (k + 3) / 4 * 4;  // uint8 im2col rows, readable in whole k quads
  const f32_gemm::TileGrid grid = conv_task_grid(gemm, s, m, cout_g, k, direct, pool != nullptr ? pool->size() : 1);
  const int64_t tasks_per_group = grid.m_tasks * grid.n_tasks;
  auto run_task = [&](int64_t task) {
    const int64_t g = task / tasks_per_group, t = task % tasks_per_group;
    const int64_t m0 = t / grid.n_tasks * grid.m_chunk, n0 = t % grid.n_tasks * grid.n_chunk;
    const int64_t rows = std::min(grid.m_chunk, m - m0);
    lowp_gemm::LowpParams gp;
    gp.m = rows, gp.n = cout_g, gp.k = k;
    if (direct && input_u8 != nullptr) {
      gp.a_u8 = input_u8 + m0 * s.in_c + g * cin_g;
      gp.lda = s.in_c;
    } else if (direct) {
      gp.a = p.input + m0 * s.in_c + g * cin_g;
      gp.lda = s.in_c;
    } else if (input_u8 != nullptr) {
      uint8_t* col = reinterpret_cast<uint8_t*>(f32_gemm::thread_scratch(static_cast<size_t>(rows * k_stride / 4), 1));
      assert(col != nullptr);
      im2col_u8(s, input_u8, g, m0, rows, static_cast<uint8_t>(p.quantization.zero_point), k_stride, col);
      gp.a_u8 = col;
      gp.a_u8_padded = true;
      gp.lda = k_stride;
    } else {
      float* col = f32_gemm::thread_scratch(static_cast<size_t>(rows * k), 1);
      assert(col != nullptr);
      f32_conv::im2col(s, p.input, g, m0, rows, col);
      gp.a = col;
      gp.lda = k;
    }
    gp.packed_b = static_cast<const uint8_t*>(p.packed_weights) + g * bytes;
    if (p.output_u8 != nullptr) {
      gp.c_u8 = p.output_u8 + m0 * ldc + g * cout_g;
      gp.output = p.output_quantization;
    } else {
      gp.c = p.output + m0 * ldc + g * cout_g;
    }
    gp.ldc = ldc;
    gp.epilogue = p.epilogue;
    gp.quantization = p.quantization;
    if (p.epilogue.bias != nullptr) gp.epilogue.bias = p.epilogue.bias + g * cout_g;
    if (p.epilogue.residual != nullptr) {
      gp.epilogue.residual = p.epilogue.residual + m0 * s.out_c + g * cout_g;
      gp.epilogue.residual_stride = s.out_c;
    }
    if (p.residual_u8 != nullptr) {
      gp.residual_u8 = p.residual_u8 + m0 * s.out_c + g * cout_g;
      gp.residual_grid = p.residual_grid;
      gp.epilogue.residual_stride = s.out_c;
    }
    lowp_gemm::gemm_block(gemm, gp, 0, rows, n0, std::min(cout_g, n0 + grid.n_chunk));
  };
  const int64_t tasks = s.groups * tasks_per_group;
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run_task(task);
  } else {
    pool->parallel_for(tasks, run_task);
  }
}

f32_gemm::TileGrid conv_task_grid(const LowpVariant& gemm, const ConvShape& s, int64_t m, int64_t n, int64_t k,
                                  bool direct, int threads) {
  f32_gemm::GemmVariant tile{};
  tile.mr = gemm.mr, tile.nr = gemm.nr;
  const int split_threads = s.groups > 1 ? 1 : threads;
  // A direct 1x1 conv's tasks are independent GEMMs over their own rows: share the rows evenly
  // (f32_conv does the same), except on AMX, whose 16-row tiles want whole tiles per task.
  f32_gemm::TileGrid grid = direct && !gemm.amx ? f32_gemm::plan_gemm_tiles(tile, m, n, k, split_threads)
                                                : f32_gemm::plan_tiles(tile, m, n, k, split_threads);
  if (!direct) {
    // Each task's im2col block stays around 64-256 KiB (bytes per element: 1 to 4).
    const int64_t max_rows = std::max<int64_t>(gemm.mr, (65536 / k) / gemm.mr * gemm.mr);
    if (grid.m_chunk > max_rows) {
      grid.m_chunk = max_rows;
      grid.m_tasks = (m + max_rows - 1) / max_rows;
    }
  }
  return grid;
}

}  // namespace kiln::lowp_conv

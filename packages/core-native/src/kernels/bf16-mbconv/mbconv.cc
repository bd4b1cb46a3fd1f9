// bf16 inverted-residual driver: output rows in bands, per band the expanded rows it needs (one
// bf16 GEMM over the new input rows into a sliding per-thread bf16 buffer), its depthwise rows
// (bf16, into a second small buffer), then the project GEMM straight into the output with bias
// and residual. f32_mbconv's scheme (see its README) with bf16 rows between the stages.
#include "mbconv.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <vector>

#include "kernels/f32-conv/dwconv.h"
#include "kernels/f32-mbconv/bands.h"
#include "kernels/f32-gemm/scratch.h"
#include "kernels/lowp-gemm/bf16_io.h"
#include "runtime/thread_pool.h"

namespace kiln::bf16_mbconv {
namespace {

using f32_conv::ConvShape;
using lowp_gemm::LowpVariant;

// Per-thread scratch slots (slot 0 is the GEMM's packed A; 1 is the conv families' im2col).
constexpr int kExpandedSlot = 2;
constexpr int kDepthwiseSlot = 3;

// Bytes of bf16 expanded rows one band adds: f32_mbconv's L2 budget (see its kBandBytes).
constexpr int64_t kBandBytes = 384 * 1024;

// Below this many flops a layer stays on the calling thread.
constexpr double kSplitFlops = 2.0e6;

uint16_t* bf16_scratch(int64_t elements, int slot) {
  return reinterpret_cast<uint16_t*>(f32_gemm::thread_scratch(static_cast<size_t>((elements + 1) / 2), slot));
}

// One 1x1 conv over m rows: c = epilogue(a · B), a [m, k] and c, residual [m, n] dense, each fp32
// or bf16; the epilogue's bias and activation, the residual from `residual`.
struct Pointwise {
  int64_t m, k, n;
  Activations a;
  const void* packed;
  void* c;
  bool c_bf16;
  Activations residual;
  const Epilogue* epilogue;
};

// Variants with a bf16-io kernel (AMX, AVX512-BF16: bf16 rows read in place or copied, fp32 rows
// converted once, one rounding on store), as the bf16_conv layers run. The scalar variant: widen
// the bf16 operands, run the fp32-boundary GEMM and narrow its output, as its bf16_conv layers do.
void pointwise(const LowpVariant& gemm, const Pointwise& p) {
  lowp_gemm::LowpParams g;
  g.m = p.m, g.n = p.n, g.k = p.k, g.lda = p.k, g.ldc = p.n;
  g.packed_b = p.packed;
  g.epilogue = *p.epilogue;
  g.epilogue.residual = nullptr;
  g.epilogue.residual_stride = p.n;
  if (gemm.io != nullptr) {
    lowp_gemm::Bf16Io io;
    if (p.a.bf16) {
      io.a = static_cast<const uint16_t*>(p.a.data);
    } else {
      g.a = static_cast<const float*>(p.a.data);
    }
    if (p.c_bf16) {
      io.c = static_cast<uint16_t*>(p.c);
    } else {
      g.c = static_cast<float*>(p.c);
    }
    if (p.residual.data != nullptr && p.residual.bf16) {
      io.residual = static_cast<const uint16_t*>(p.residual.data);
    } else if (p.residual.data != nullptr) {
      g.epilogue.residual = static_cast<const float*>(p.residual.data);
    }
    gemm.io(gemm, g, io, 0, p.m, 0, p.n);
    return;
  }
  thread_local std::vector<float> a_wide, c_wide, residual_wide;
  auto widened = [](const Activations& x, int64_t count, std::vector<float>* buffer) {
    if (!x.bf16) return static_cast<const float*>(x.data);
    buffer->resize(static_cast<size_t>(count));
    lowp_gemm::widen_bf16(static_cast<const uint16_t*>(x.data), count, buffer->data(), nullptr);
    return static_cast<const float*>(buffer->data());
  };
  g.a = widened(p.a, p.m * p.k, &a_wide);
  if (p.residual.data != nullptr) g.epilogue.residual = widened(p.residual, p.m * p.n, &residual_wide);
  if (p.c_bf16) {
    c_wide.resize(static_cast<size_t>(p.m * p.n));
    g.c = c_wide.data();
  } else {
    g.c = static_cast<float*>(p.c);
  }
  lowp_gemm::gemm_block(gemm, g, 0, p.m, 0, p.n);
  if (p.c_bf16) lowp_gemm::narrow_bf16(c_wide.data(), p.m * p.n, static_cast<uint16_t*>(p.c), nullptr);
}

// One thread's work: output rows [oh0, oh1) of one image.
struct BandRunner {
  const LowpVariant& gemm;
  const MbconvShape& s;
  const MbconvParams& p;
  const ConvShape dw;
  const PackedParts parts;
  const bf16_dwconv::RowFn dw_row;
  const int64_t band;
  const uint64_t call;  // unique per run(): held rows of an earlier call are never reused

  // The expanded rows the band needs, its depthwise rows, the project GEMM. The calling thread's
  // expanded buffer keeps the rows of its previous band of this call (f32_mbconv's halo reuse).
  void run_band(int64_t n, int64_t oh0, int64_t oh1) const {
    thread_local f32_mbconv::HeldRows held;
    const int64_t in_w = s.in_w, channels = s.expand_c, out_w = dw.out_w(), out_h = dw.out_h();
    const int64_t row_elements = in_w * channels;
    const int64_t capacity = (band - 1) * s.stride_h + (s.kernel_h - 1) * s.dilation_h + 1;
    const int64_t in_bytes = p.input.bf16 ? 2 : 4;
    const char* image = static_cast<const char*>(p.input.data) + n * s.in_h * in_w * s.in_c * in_bytes;
    const char* expand_w = static_cast<const char*>(p.packed_weights);
    const float* dw_w = reinterpret_cast<const float*>(expand_w + parts.expand);
    const char* project_w = expand_w + parts.expand + parts.depthwise;
    uint16_t* expanded = s.has_expand ? bf16_scratch(capacity * row_elements, kExpandedSlot) : nullptr;
    uint16_t* dw_rows = bf16_scratch(band * out_w * channels, kDepthwiseSlot);
    assert(dw_rows != nullptr && (!s.has_expand || expanded != nullptr));
    // Row ih of the depthwise input at dw_input + ih * row_elements elements.
    Activations dw_input{image, p.input.bf16};
    int64_t first = 0;
    if (s.has_expand && held.keep_halo(s, call, n, oh0, oh1, expanded, row_elements, capacity, &first)) {
      if (first < held.end) {
        const Pointwise expand{(held.end - first) * in_w, s.in_c, channels,
                               {image + first * in_w * s.in_c * in_bytes, p.input.bf16}, expand_w,
                               expanded + (first - held.begin) * row_elements, true, {}, &p.expand_epilogue};
        pointwise(gemm, expand);
      }
      dw_input = {expanded - held.begin * row_elements, true};
    }
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      bf16_dwconv::RowArgs args;
      args.shape = &dw;
      args.input = dw_input.data;
      args.input_bf16 = dw_input.bf16;
      args.weights = dw_w;
      args.bias = p.depthwise_epilogue.bias;
      args.residual = nullptr;
      args.residual_bf16 = false;
      args.output = dw_rows + (oh - oh0) * out_w * channels;
      args.output_bf16 = true;
      args.epilogue = &p.depthwise_epilogue;
      args.oh = oh;
      dw_row(args);
    }
    const int64_t offset = (n * out_h + oh0) * out_w * s.out_c;
    const int64_t out_bytes = p.output_bf16 ? 2 : 4, residual_bytes = p.residual.bf16 ? 2 : 4;
    const Activations residual{p.residual.data != nullptr
                                   ? static_cast<const char*>(p.residual.data) + offset * residual_bytes
                                   : nullptr,
                               p.residual.bf16};
    const Pointwise project{(oh1 - oh0) * out_w, channels, s.out_c, {dw_rows, true}, project_w,
                            static_cast<char*>(p.output) + offset * out_bytes, p.output_bf16, residual,
                            &p.project_epilogue};
    pointwise(gemm, project);
  }
};

// `elements` elements into x.
Activations advanced(const Activations& x, int64_t elements) {
  if (x.data == nullptr) return x;
  return {static_cast<const char*>(x.data) + elements * (x.bf16 ? 2 : 4), x.bf16};
}

// The block in stages (f32_mbconv::use_stages), the depthwise pass on bf16_dwconv's driver:
// the bf16 expanded and depthwise tensors are the calling thread's scratch, shared with the pool.
void run_staged(const BandRunner& r, const bf16_dwconv::DwVariant& dw_variant, ThreadPool* pool) {
  const MbconvShape& s = r.s;
  const MbconvParams& p = r.p;
  const int64_t channels = s.expand_c, rows = s.batch * r.dw.out_h(), out_w = r.dw.out_w();
  const char* expand_w = static_cast<const char*>(p.packed_weights);
  const float* dw_w = reinterpret_cast<const float*>(expand_w + r.parts.expand);
  const char* project_w = expand_w + r.parts.expand + r.parts.depthwise;
  auto gemm_rows = [&](const Pointwise& whole) {
    f32_mbconv::split_rows(whole.m, pool, [&](int64_t m0, int64_t m1) {
      Pointwise part = whole;
      part.m = m1 - m0;
      part.a = advanced(whole.a, m0 * whole.k);
      part.c = const_cast<void*>(advanced({whole.c, whole.c_bf16}, m0 * whole.n).data);
      part.residual = advanced(whole.residual, m0 * whole.n);
      pointwise(r.gemm, part);
    });
  };
  Activations dw_input = p.input;
  if (s.has_expand) {
    uint16_t* expanded = bf16_scratch(s.batch * s.in_h * s.in_w * channels, kExpandedSlot);
    assert(expanded != nullptr);
    gemm_rows({s.batch * s.in_h * s.in_w, s.in_c, channels, p.input, expand_w, expanded, true, {}, &p.expand_epilogue});
    dw_input = {expanded, true};
  }
  uint16_t* dw_rows = bf16_scratch(rows * out_w * channels, kDepthwiseSlot);
  assert(dw_rows != nullptr);
  bf16_dwconv::DwParams depthwise;
  depthwise.input = dw_input;
  depthwise.weights = dw_w;
  depthwise.output = dw_rows;
  depthwise.output_bf16 = true;
  depthwise.epilogue = p.depthwise_epilogue;
  bf16_dwconv::run(dw_variant, r.dw, depthwise, pool);
  gemm_rows({rows * out_w, channels, s.out_c, {dw_rows, true}, project_w, p.output, p.output_bf16, p.residual,
             &p.project_epilogue});
}

const bf16_dwconv::DwVariant& dw_variant_of(const MbconvVariant& variant, const MbconvShape& s) {
  const bool three_by_three = s.kernel_h == 3 && s.kernel_w == 3 && variant.dw_3x3 != nullptr;
  const bf16_dwconv::DwVariant* dw = bf16_dwconv::find_dw_variant(three_by_three ? variant.dw_3x3 : variant.dw_any);
  assert(dw != nullptr && bf16_dwconv::applies(*dw, s.depthwise()));
  return *dw;
}

}  // namespace

const LowpVariant& gemm_of(const MbconvVariant& variant) {
  const LowpVariant* gemm = lowp_gemm::find_variant(variant.gemm);
  assert(gemm != nullptr && gemm->format == lowp_gemm::Format::kBf16);
  return *gemm;
}

bool applies(const MbconvVariant& variant, Isa host, const MbconvShape& shape) {
  return static_cast<int>(variant.isa) <= static_cast<int>(host) && shape.valid();
}

PackedParts packed_parts(const MbconvVariant& variant, const MbconvShape& s) {
  assert(s.valid());
  const LowpVariant& gemm = gemm_of(variant);
  return {s.has_expand ? lowp_gemm::packed_b_bytes(gemm, s.in_c, s.expand_c) : 0,
          f32_conv::dwconv_packed_size(s.depthwise()) * sizeof(float),
          lowp_gemm::packed_b_bytes(gemm, s.expand_c, s.out_c)};
}

void pack(const MbconvVariant& variant, const MbconvShape& s, const float* weights, void* packed) {
  assert(s.valid() && weights != nullptr && packed != nullptr);
  const LowpVariant& gemm = gemm_of(variant);
  const PackedParts parts = packed_parts(variant, s);
  char* out = static_cast<char*>(packed);
  if (s.has_expand) {  // B[k = ci][n = e] of the ONNX [E, C] weights
    lowp_gemm::pack_b(gemm, s.in_c, s.expand_c, weights, 1, s.in_c, nullptr, 0, out);
    weights += s.expand_c * s.in_c;
  }
  f32_conv::dwconv_pack(s.depthwise(), weights, reinterpret_cast<float*>(out + parts.expand));
  weights += s.expand_c * s.kernel_h * s.kernel_w;
  lowp_gemm::pack_b(gemm, s.expand_c, s.out_c, weights, 1, s.expand_c, nullptr, 0,
                    out + parts.expand + parts.depthwise);
}

int64_t default_band_rows(const MbconvShape& s) {
  const int64_t bytes_per_row = s.stride_h * s.in_w * s.expand_c * static_cast<int64_t>(sizeof(uint16_t));
  return std::max<int64_t>(1, std::min(s.out_h(), kBandBytes / bytes_per_row));
}

void run(const MbconvVariant& variant, const MbconvShape& s, const MbconvParams& p, ThreadPool* pool) {
  assert(s.valid() && p.input.data != nullptr && p.packed_weights != nullptr && p.output != nullptr);
  assert(p.output != p.input.data);
  static std::atomic<uint64_t> calls{0};
  const ConvShape dw = s.depthwise();
  const int64_t out_h = dw.out_h();
  const int threads = pool != nullptr ? pool->size() : 1;
  const bool split = threads > 1 && f32_mbconv::block_flops(s) > kSplitFlops;
  // f32_mbconv's split: about two bands per thread, each thread a contiguous home range of them;
  // but a band of less than one GEMM row tile of output pixels wastes most of the tile (7x7
  // blocks in bands of 2 rows ran their 32-row AMX tiles 14 rows full, 2x slower than one
  // thread), so small images take one band per thread. Then bands shrink (by at most half) until
  // the tasks divide evenly over the threads (56 rows in bands of 9 are 7 tasks, 4 on one thread
  // and 3 on the other; bands of 7 are 8).
  int64_t band = p.band_rows > 0 ? std::min(p.band_rows, out_h) : bf16_mbconv::default_band_rows(s);
  if (split) {
    band = f32_mbconv::split_band_rows(s, band, threads);
    if (band * dw.out_w() < gemm_of(variant).mr) band = std::max(band, (out_h + threads - 1) / threads);
    for (int64_t rows = band; rows >= std::max<int64_t>(1, band / 2); --rows) {
      if (s.batch * ((out_h + rows - 1) / rows) % threads != 0) continue;
      band = rows;
      break;
    }
  }
  const bf16_dwconv::DwVariant& dw_variant = dw_variant_of(variant, s);
  const BandRunner runner{gemm_of(variant), s, p, dw, packed_parts(variant, s), dw_variant.row, band, ++calls};
  if (split && f32_mbconv::use_stages(s, threads, sizeof(uint16_t))) {
    run_staged(runner, dw_variant, pool);
    return;
  }
  f32_mbconv::run_bands(s, band, split, pool,
                        [&](int64_t n, int64_t oh0, int64_t oh1) { runner.run_band(n, oh0, oh1); });
}

}  // namespace kiln::bf16_mbconv

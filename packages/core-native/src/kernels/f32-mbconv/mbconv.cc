// Inverted-residual driver: output rows in bands, per band the expanded rows it needs (one GEMM
// over the new input rows into a sliding per-thread buffer), its depthwise rows (into a second
// small buffer), then the project GEMM straight into the output with bias and residual.
#include "mbconv.h"

#include <algorithm>
#include <atomic>
#include <cassert>

#include "bands.h"
#include "kernels/f32-conv/conv-gemm.h"
#include "kernels/f32-gemm/scratch.h"
#include "kernels/f32-gemm/variants.h"
#include "runtime/thread_pool.h"

namespace kiln::f32_mbconv {
namespace {

// Per-thread scratch slots (slot 0 is gemm_block's packed A; 1 is the conv family's im2col).
constexpr int kExpandedSlot = 2;
constexpr int kDepthwiseSlot = 3;

// Bytes of expanded rows one band adds. The band's buffers (expanded rows with their halo, then
// depthwise rows) must stay in the core's L2 (2 MiB here) next to the weights; larger bands move
// fewer halo rows per output row. On mobilenet_v2's blocks, 384 KiB was 2-5% faster than 192 KiB
// on the large ones and the same elsewhere (layer param bandRows swept 1..16).
constexpr int64_t kBandBytes = 384 * 1024;

// Below this many flops a layer stays on the calling thread.
constexpr double kSplitFlops = 2.0e6;

const f32_gemm::GemmVariant& gemm_of(const MbconvVariant& variant) {
  const f32_gemm::GemmVariant* gemm = f32_gemm::find_variant(variant.gemm);
  assert(gemm != nullptr);
  return *gemm;
}

f32_gemm::GemmParams pointwise(const float* a, int64_t m, int64_t k, const float* packed, float* c,
                               int64_t n, const Epilogue& epilogue) {
  f32_gemm::GemmParams g;
  g.m = m, g.n = n, g.k = k;
  g.a = a, g.lda = k;
  g.packed_b = packed;
  g.c = c, g.ldc = n;
  g.epilogue = epilogue;
  return g;
}

// One thread's work: output rows [row0, row1) of the flattened (image, row) index.
struct BandRunner {
  const MbconvVariant& variant;
  const f32_gemm::GemmVariant& gemm;
  const MbconvShape& s;
  const MbconvParams& p;
  const ConvShape dw;
  const PackedParts parts;
  const f32_conv::DwRowFn dw_row;
  const int64_t band;

  const uint64_t call;  // unique per run(): held rows of an earlier call are never reused

  // Output rows [oh0, oh1) of image n: the expanded rows they need, their depthwise rows, the
  // project GEMM. The calling thread's expanded buffer keeps the rows of its previous band of
  // this call: a thread that runs adjacent bands (its home range, front to back) computes each
  // expanded row once.
  void run_band(int64_t n, int64_t oh0, int64_t oh1) const {
    thread_local HeldRows held;
    const int64_t in_w = s.in_w, channels = s.expand_c, out_w = dw.out_w(), out_h = dw.out_h();
    const int64_t row_floats = in_w * channels;
    const int64_t capacity = (band - 1) * s.stride_h + (s.kernel_h - 1) * s.dilation_h + 1;
    const float* image = p.input + n * s.in_h * in_w * s.in_c;
    const float* expand_w = p.packed_weights;
    const float* dw_w = expand_w + parts.expand;
    const float* project_w = dw_w + parts.depthwise;
    float* expanded = s.has_expand ? f32_gemm::thread_scratch(static_cast<size_t>(capacity * row_floats), kExpandedSlot)
                                   : nullptr;
    float* dw_rows = f32_gemm::thread_scratch(static_cast<size_t>(band * out_w * channels), kDepthwiseSlot);
    assert(dw_rows != nullptr && (!s.has_expand || expanded != nullptr));
    const float* dw_input = image;  // row ih of the depthwise input at dw_input + ih * row_floats
    int64_t first = 0;
    if (s.has_expand && held.keep_halo(s, call, n, oh0, oh1, expanded, row_floats, capacity, &first)) {
      if (first < held.end) {
        const f32_gemm::GemmParams g =
            pointwise(image + first * in_w * s.in_c, (held.end - first) * in_w, s.in_c, expand_w,
                      expanded + (first - held.begin) * row_floats, channels, p.expand_epilogue);
        f32_gemm::gemm_block(gemm, g, 0, g.m, 0, g.n);
      }
      dw_input = expanded - held.begin * row_floats;
    }
    f32_conv::DwRowArgs args;
    args.shape = &dw;
    args.input = dw_input;
    args.weights = dw_w;
    args.bias = p.depthwise_epilogue.bias;
    args.residual = nullptr;
    args.output = dw_rows;
    args.epilogue = &p.depthwise_epilogue;
    args.oh = oh0;
    args.rows = oh1 - oh0;
    dw_row(args);
    const int64_t offset = (n * out_h + oh0) * out_w * s.out_c;
    Epilogue project = p.project_epilogue;
    if (project.residual != nullptr) {
      project.residual += offset;
      project.residual_stride = s.out_c;
    }
    const f32_gemm::GemmParams g =
        pointwise(dw_rows, (oh1 - oh0) * out_w, channels, project_w, p.output + offset, s.out_c, project);
    f32_gemm::gemm_block(gemm, g, 0, g.m, 0, g.n);
  }
};

// The block in stages (see use_stages): the expanded and depthwise tensors are the calling
// thread's scratch, shared with the pool for the run.
void run_staged(const BandRunner& r, ThreadPool* pool) {
  const MbconvShape& s = r.s;
  const MbconvParams& p = r.p;
  const int64_t channels = s.expand_c, rows = s.batch * r.dw.out_h(), out_w = r.dw.out_w();
  const float* expand_w = p.packed_weights;
  const float* dw_w = expand_w + r.parts.expand;
  const float* project_w = dw_w + r.parts.depthwise;
  auto gemm_rows = [&](const f32_gemm::GemmParams& g) {
    split_rows(g.m, pool, [&](int64_t m0, int64_t m1) { f32_gemm::gemm_block(r.gemm, g, m0, m1, 0, g.n); });
  };
  const float* dw_input = p.input;
  if (s.has_expand) {
    const int64_t pixels = s.batch * s.in_h * s.in_w;
    float* expanded = f32_gemm::thread_scratch(static_cast<size_t>(pixels * channels), kExpandedSlot);
    assert(expanded != nullptr);
    gemm_rows(pointwise(p.input, pixels, s.in_c, expand_w, expanded, channels, p.expand_epilogue));
    dw_input = expanded;
  }
  float* dw_rows = f32_gemm::thread_scratch(static_cast<size_t>(rows * out_w * channels), kDepthwiseSlot);
  assert(dw_rows != nullptr);
  f32_conv::ConvParams depthwise;
  depthwise.input = dw_input;
  depthwise.packed_weights = dw_w;
  depthwise.output = dw_rows;
  depthwise.epilogue = p.depthwise_epilogue;
  f32_conv::dwconv_run(r.dw_row, r.dw, depthwise, pool);
  Epilogue project = p.project_epilogue;  // gemm_block offsets the NHWC residual by row itself
  project.residual_stride = s.out_c;
  gemm_rows(pointwise(dw_rows, rows * out_w, channels, project_w, p.output, s.out_c, project));
}

}  // namespace

ConvShape MbconvShape::expand() const {
  ConvShape e;
  e.batch = batch, e.in_h = in_h, e.in_w = in_w, e.in_c = in_c, e.out_c = expand_c;
  return e;
}

ConvShape MbconvShape::depthwise() const {
  ConvShape d;
  d.batch = batch, d.in_h = in_h, d.in_w = in_w, d.in_c = expand_c, d.out_c = expand_c, d.groups = expand_c;
  d.kernel_h = kernel_h, d.kernel_w = kernel_w, d.stride_h = stride_h, d.stride_w = stride_w;
  d.dilation_h = dilation_h, d.dilation_w = dilation_w;
  d.pad_top = pad_top, d.pad_left = pad_left, d.pad_bottom = pad_bottom, d.pad_right = pad_right;
  return d;
}

ConvShape MbconvShape::project() const {
  const ConvShape d = depthwise();
  ConvShape p;
  p.batch = batch, p.in_h = d.out_h(), p.in_w = d.out_w(), p.in_c = expand_c, p.out_c = out_c;
  return p;
}

bool MbconvShape::valid() const {
  if (batch < 1 || in_h < 1 || in_w < 1 || in_c < 1 || expand_c < 1 || out_c < 1) return false;
  if (!has_expand && expand_c != in_c) return false;
  return depthwise().valid() && (!has_expand || expand().valid()) && project().valid();
}

bool applies(const MbconvVariant& variant, Isa host, const MbconvShape& shape) {
  return static_cast<int>(variant.isa) <= static_cast<int>(host) && shape.valid();
}

PackedParts packed_parts(const MbconvVariant& variant, const MbconvShape& s) {
  assert(s.valid());
  const f32_gemm::GemmVariant& gemm = gemm_of(variant);
  return {s.has_expand ? f32_conv::conv_gemm_packed_size(gemm, s.expand()) : 0,
          f32_conv::dwconv_packed_size(s.depthwise()), f32_conv::conv_gemm_packed_size(gemm, s.project())};
}

size_t weight_count(const MbconvShape& s) {
  return static_cast<size_t>((s.has_expand ? s.expand_c * s.in_c : 0) + s.expand_c * s.kernel_h * s.kernel_w +
                             s.out_c * s.expand_c);
}

void pack(const MbconvVariant& variant, const MbconvShape& s, const float* weights, float* packed) {
  assert(s.valid() && weights != nullptr && packed != nullptr);
  const f32_gemm::GemmVariant& gemm = gemm_of(variant);
  const PackedParts parts = packed_parts(variant, s);
  if (s.has_expand) {
    f32_conv::conv_gemm_pack(gemm, s.expand(), weights, packed);
    weights += s.expand_c * s.in_c;
  }
  f32_conv::dwconv_pack(s.depthwise(), weights, packed + parts.expand);
  weights += s.expand_c * s.kernel_h * s.kernel_w;
  f32_conv::conv_gemm_pack(gemm, s.project(), weights, packed + parts.expand + parts.depthwise);
}

int64_t default_band_rows(const MbconvShape& s) {
  const int64_t bytes_per_row = s.stride_h * s.in_w * s.expand_c * static_cast<int64_t>(sizeof(float));
  return std::max<int64_t>(1, std::min(s.out_h(), kBandBytes / bytes_per_row));
}

void run(const MbconvVariant& variant, const MbconvShape& s, const MbconvParams& p, ThreadPool* pool) {
  assert(s.valid() && p.input != nullptr && p.packed_weights != nullptr && p.output != nullptr);
  assert(p.output != p.input);
  static std::atomic<uint64_t> calls{0};
  const ConvShape dw = s.depthwise();
  const int64_t out_h = dw.out_h();
  const int threads = pool != nullptr ? pool->size() : 1;
  const bool split = threads > 1 && block_flops(s) > kSplitFlops;
  int64_t band = p.band_rows > 0 ? std::min(p.band_rows, out_h) : default_band_rows(s);
  if (split) band = split_band_rows(s, band, threads);
  const bool three_by_three = s.kernel_h == 3 && s.kernel_w == 3 && variant.dw_3x3 != nullptr;
  const BandRunner runner{variant, gemm_of(variant), s, p, dw, packed_parts(variant, s),
                          three_by_three ? variant.dw_3x3 : variant.dw_any, band, ++calls};
  if (split && use_stages(s, threads, sizeof(float))) {
    run_staged(runner, pool);
    return;
  }
  run_bands(s, band, split, pool, [&](int64_t n, int64_t oh0, int64_t oh1) { runner.run_band(n, oh0, oh1); });
}

}  // namespace kiln::f32_mbconv

// bf16_conv with bf16 activations (conv.h, run_bf16_io): the input, output and/or residual stored
// as bfloat16 between bf16 layers. With a bf16-io kernel (AMX, AVX512-BF16) the GEMM reads bf16
// rows (the input itself for a direct 1x1, else bf16 im2col rows padded to whole 32-steps of K)
// and rounds its epilogue to bf16; the scalar variant widens the bf16 tensors, runs the fp32 path
// and narrows its output.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "conv.h"
#include "kernels/f32-conv/conv-gemm.h"
#include "kernels/f32-gemm/scratch.h"
#include "kernels/lowp-gemm/bf16_io.h"
#include "runtime/thread_pool.h"

namespace kiln::lowp_conv {
namespace {

// f32_conv::im2col for bf16 NHWC input: rows [m0, m0 + rows) of group g, K = (kh, kw, ci), each
// row `stride` elements (>= K; the elements past K are zero, as are padding taps).
void im2col_bf16(const ConvShape& s, const uint16_t* input, int64_t g, int64_t m0, int64_t rows, int64_t stride,
                 uint16_t* col) {
  const int64_t cin_g = s.in_c / s.groups, oh_count = s.out_h(), ow_count = s.out_w();
  const int64_t k = s.kernel_h * s.kernel_w * cin_g, span = s.kernel_w * cin_g;
  const bool spans = s.groups == 1 && s.dilation_w == 1;
  int64_t n = m0 / (oh_count * ow_count), oh = m0 / ow_count % oh_count, ow = m0 % ow_count;
  for (int64_t r = 0; r < rows; ++r) {
    uint16_t* dst = col + r * stride;
    const int64_t iw0 = ow * s.stride_w - s.pad_left;
    const bool columns_inside = spans && iw0 >= 0 && iw0 + s.kernel_w <= s.in_w;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh, dst += span) {
      const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      if (ih < 0 || ih >= s.in_h) {
        std::memset(dst, 0, static_cast<size_t>(span) * 2);
        continue;
      }
      const uint16_t* image_row = input + (n * s.in_h + ih) * s.in_w * s.in_c + g * cin_g;
      if (columns_inside) {
        std::memcpy(dst, image_row + iw0 * s.in_c, static_cast<size_t>(span) * 2);
        continue;
      }
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
        const int64_t iw = iw0 + kw * s.dilation_w;
        uint16_t* tap = dst + kw * cin_g;
        if (iw < 0 || iw >= s.in_w) {
          std::memset(tap, 0, static_cast<size_t>(cin_g) * 2);
        } else {
          std::memcpy(tap, image_row + iw * s.in_c, static_cast<size_t>(cin_g) * 2);
        }
      }
    }
    std::memset(col + r * stride + k, 0, static_cast<size_t>(stride - k) * 2);
    if (++ow == ow_count) {
      ow = 0;
      if (++oh == oh_count) oh = 0, ++n;
    }
  }
}

// Widen the bf16 tensors, run the fp32 path, narrow the output (variants without a bf16-io kernel).
void run_widened(const ConvVariant& v, const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  thread_local std::vector<float> input, output, residual;
  const int64_t in_count = s.batch * s.in_h * s.in_w * s.in_c;
  const int64_t out_count = s.batch * s.out_h() * s.out_w() * s.out_c;
  ConvParams wide = p;
  wide.input_bf16 = nullptr, wide.output_bf16 = nullptr, wide.residual_bf16 = nullptr;
  if (p.input_bf16 != nullptr) {
    input.resize(static_cast<size_t>(in_count));
    lowp_gemm::widen_bf16(p.input_bf16, in_count, input.data(), pool);
    wide.input = input.data();
  }
  if (p.residual_bf16 != nullptr) {
    residual.resize(static_cast<size_t>(out_count));
    lowp_gemm::widen_bf16(p.residual_bf16, out_count, residual.data(), pool);
    wide.epilogue.residual = residual.data();
  }
  if (p.output_bf16 != nullptr) {
    output.resize(static_cast<size_t>(out_count));
    wide.output = output.data();
    wide.output_stride = 0;  // the dense fp32 output, narrowed into p.output_bf16's rows below
  }
  run(v, s, wide, pool);
  if (p.output_bf16 == nullptr) return;
  if (p.output_stride == 0 || p.output_stride == s.out_c) {
    lowp_gemm::narrow_bf16(output.data(), out_count, p.output_bf16, pool);
    return;
  }
  // A channel range of a wider tensor: each output pixel's out_c values to its own row.
  const int64_t pixels = out_count / s.out_c;
  for (int64_t i = 0; i < pixels; ++i) {
    lowp_gemm::narrow_bf16(output.data() + i * s.out_c, s.out_c, p.output_bf16 + i * p.output_stride, nullptr);
  }
}

}  // namespace

void run_bf16_io(const ConvVariant& v, const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  const lowp_gemm::LowpVariant& gemm = gemm_of(v);
  assert(applies(v, s) && gemm.format == lowp_gemm::Format::kBf16 && p.packed_weights != nullptr);
  assert((p.input != nullptr || p.input_bf16 != nullptr) && (p.output != nullptr || p.output_bf16 != nullptr));
  if (gemm.io == nullptr) return run_widened(v, s, p, pool);
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t k = s.kernel_h * s.kernel_w * cin_g;
  const int64_t m = s.batch * s.out_h() * s.out_w();
  const int64_t bytes = static_cast<int64_t>(packed_bytes(v, s)) / s.groups;
  const int64_t ldc = p.output_stride > 0 ? p.output_stride : s.out_c;
  const bool direct = f32_conv::is_gemm_direct(s);
  const int64_t k_stride = (k + 31) / 32 * 32;  // bf16 im2col rows, read in place in whole 32-steps
  const f32_gemm::TileGrid grid = conv_task_grid(gemm, s, m, cout_g, k, direct, pool != nullptr ? pool->size() : 1);
  const int64_t tasks_per_group = grid.m_tasks * grid.n_tasks;
  auto run_task = [&](int64_t task) {
    const int64_t g = task / tasks_per_group, t = task % tasks_per_group;
    const int64_t m0 = t / grid.n_tasks * grid.m_chunk, n0 = t % grid.n_tasks * grid.n_chunk;
    const int64_t rows = std::min(grid.m_chunk, m - m0);
    lowp_gemm::LowpParams gp;
    lowp_gemm::Bf16Io io;
    gp.m = rows, gp.n = cout_g, gp.k = k;
    if (direct && p.input_bf16 != nullptr) {
      io.a = p.input_bf16 + m0 * s.in_c + g * cin_g;
      gp.lda = s.in_c;
    } else if (direct) {
      gp.a = p.input + m0 * s.in_c + g * cin_g;
      gp.lda = s.in_c;
    } else if (p.input_bf16 != nullptr) {
      uint16_t* col = reinterpret_cast<uint16_t*>(f32_gemm::thread_scratch(static_cast<size_t>((rows * k_stride + 1) / 2), 1));
      assert(col != nullptr);
      im2col_bf16(s, p.input_bf16, g, m0, rows, k_stride, col);
      io.a = col;
      io.a_padded = true;
      gp.lda = k_stride;
    } else {
      float* col = f32_gemm::thread_scratch(static_cast<size_t>(rows * k), 1);
      assert(col != nullptr);
      f32_conv::im2col(s, p.input, g, m0, rows, col);
      gp.a = col;
      gp.lda = k;
    }
    gp.packed_b = static_cast<const uint8_t*>(p.packed_weights) + g * bytes;
    const int64_t first = m0 * s.out_c + g * cout_g;  // in the dense residual
    const int64_t first_out = m0 * ldc + g * cout_g;
    if (p.output_bf16 != nullptr) {
      io.c = p.output_bf16 + first_out;
    } else {
      gp.c = p.output + first_out;
    }
    gp.ldc = ldc;
    gp.epilogue = p.epilogue;
    if (p.epilogue.bias != nullptr) gp.epilogue.bias = p.epilogue.bias + g * cout_g;
    if (p.residual_bf16 != nullptr) {
      io.residual = p.residual_bf16 + first;
      gp.epilogue.residual = nullptr;
      gp.epilogue.residual_stride = s.out_c;
    } else if (p.epilogue.residual != nullptr) {
      gp.epilogue.residual = p.epilogue.residual + first;
      gp.epilogue.residual_stride = s.out_c;
    }
    gemm.io(gemm, gp, io, 0, rows, n0, std::min(cout_g, n0 + grid.n_chunk));
  };
  const int64_t tasks = s.groups * tasks_per_group;
  if (pool == nullptr || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run_task(task);
  } else {
    pool->parallel_for(tasks, run_task);
  }
}

}  // namespace kiln::lowp_conv

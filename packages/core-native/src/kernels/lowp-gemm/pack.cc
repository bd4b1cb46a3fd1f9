// Packing of the reduced-precision GEMM families (plain C++): B once at build time, and the
// portable A packers (the vector variants have their own in their ISA files).
#include "pack.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <vector>

namespace kiln::lowp_gemm {
namespace {

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

int64_t padded_k(const LowpVariant& v, int64_t k) { return round_up(k, v.k_align); }

int64_t element_bytes(Format format) { return format == Format::kQu8 ? 1 : 2; }

int64_t panel_count(const LowpVariant& v, int64_t n) { return (n + v.nr - 1) / v.nr; }

int64_t a_panel_bytes(const LowpVariant& v, int64_t kpad) {
  return v.mr * kpad * element_bytes(v.format) + (v.format == Format::kF16 ? v.mr * 4 : 0);
}

size_t packed_b_bytes(const LowpVariant& v, int64_t k, int64_t n) {
  assert(k >= 1 && n >= 1);
  const int64_t npad = panel_count(v, n) * v.nr;
  int64_t bytes = round_up(npad * padded_k(v, k) * element_bytes(v.format), 64);
  if (v.format == Format::kQu8) bytes += round_up(npad * 4, 64) * 2;  // column sums, scales
  return static_cast<size_t>(bytes);
}

QuantizedB quantized_b(const LowpVariant& v, int64_t k, int64_t n, const void* packed) {
  const int64_t npad = panel_count(v, n) * v.nr;
  const uint8_t* base = static_cast<const uint8_t*>(packed);
  const int64_t panels_bytes = round_up(npad * padded_k(v, k), 64);
  QuantizedB out;
  out.column_sums = reinterpret_cast<const int32_t*>(base + panels_bytes);
  out.scales = reinterpret_cast<const float*>(base + panels_bytes + round_up(npad * 4, 64));
  return out;
}

void pack_b(const LowpVariant& v, int64_t k, int64_t n, const float* b, int64_t k_stride,
            int64_t n_stride, const float* scales, int64_t scale_count, void* packed) {
  assert(k >= 1 && n >= 1 && b != nullptr && packed != nullptr);
  assert((reinterpret_cast<uintptr_t>(packed) & 63) == 0);
  assert(scales == nullptr || scale_count == 1 || scale_count == n);
  std::memset(packed, 0, packed_b_bytes(v, k, n));
  const int64_t kpad = padded_k(v, k), nr = v.nr;
  auto at = [&](int64_t kk, int64_t j) { return b[kk * k_stride + j * n_stride]; };
  if (v.format == Format::kBf16 || v.format == Format::kF16) {
    uint16_t* out = static_cast<uint16_t*>(packed);
    const int group = v.format == Format::kBf16 ? 2 : 1;  // bf16: k pairs per 32-bit lane
    for (int64_t j = 0; j < n; ++j) {
      uint16_t* panel = out + (j / nr) * kpad * nr;
      const int64_t col = j % nr;
      for (int64_t kk = 0; kk < k; ++kk) {
        float value = at(kk, j);
        // fp16 weights saturate at +-65504 rather than become infinite (weights never get there
        // in practice; an infinity would turn whole outputs into NaN).
        if (v.format == Format::kF16) value = std::min(65504.0f, std::max(-65504.0f, value));
        const uint16_t h = v.format == Format::kBf16 ? float_to_bf16(value) : float_to_f16(value);
        panel[(kk / group) * nr * group + col * group + kk % group] = h;
      }
    }
    return;
  }
  // qu8: int8 weights, symmetric per column; [k/4][nr][4] panels, then column sums and scales.
  int8_t* out = static_cast<int8_t*>(packed);
  QuantizedB tail = quantized_b(v, k, n, packed);
  int32_t* sums = const_cast<int32_t*>(tail.column_sums);
  float* column_scales = const_cast<float*>(tail.scales);
  for (int64_t j = 0; j < n; ++j) {
    float scale;
    if (scales != nullptr) {
      scale = scales[scale_count == 1 ? 0 : j];
    } else {
      float max_abs = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk) max_abs = std::max(max_abs, std::fabs(at(kk, j)));
      scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
    }
    column_scales[j] = scale;
    int8_t* panel = out + (j / nr) * kpad * nr;
    const int64_t col = j % nr;
    int32_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      float q = std::nearbyint(at(kk, j) / scale);
      q = std::min(127.0f, std::max(-128.0f, q));
      const int8_t value = static_cast<int8_t>(q);
      panel[(kk / 4) * nr * 4 + col * 4 + kk % 4] = value;
      sum += value;
    }
    sums[j] = sum;
  }
}

// A packers: rows past `rows` and K past `k` (up to the variant's padded K) are zero.
void pack_a_bf16_pairs(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                       const Quantization&, void* packed) {
  uint16_t* out = static_cast<uint16_t*>(packed);
  const int64_t kpad = round_up(k, 2);
  for (int64_t p = 0; p * mr < rows; ++p) {
    uint16_t* panel = out + p * mr * kpad;
    for (int64_t kk = 0; kk < kpad; ++kk) {
      for (int i = 0; i < mr; ++i) {
        const int64_t row = p * mr + i;
        const float value = row < rows && kk < k ? a[row * lda + kk] : 0.0f;
        panel[(kk / 2) * mr * 2 + i * 2 + kk % 2] = float_to_bf16(value);
      }
    }
  }
}

void pack_a_f16(const float* a, int64_t lda, int64_t rows, int64_t k, int mr, const Quantization&,
                void* packed) {
  const int64_t panel_bytes = mr * k * 2 + mr * 4;
  for (int64_t p = 0; p * mr < rows; ++p) {
    uint16_t* panel = reinterpret_cast<uint16_t*>(static_cast<uint8_t*>(packed) + p * panel_bytes);
    float* factors = reinterpret_cast<float*>(panel + mr * k);
    for (int i = 0; i < mr; ++i) {
      const int64_t row = p * mr + i;
      float max_abs = 0.0f;
      for (int64_t kk = 0; row < rows && kk < k; ++kk) max_abs = std::max(max_abs, std::fabs(a[row * lda + kk]));
      float scale = 1.0f;
      f16_row_scaling(max_abs, &scale, &factors[i]);
      for (int64_t kk = 0; kk < k; ++kk) panel[kk * mr + i] = float_to_f16(row < rows ? a[row * lda + kk] * scale : 0.0f);
    }
  }
}

void pack_a_u8_quads(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                     const Quantization& q, void* packed) {
  uint8_t* out = static_cast<uint8_t*>(packed);
  const int64_t kpad = round_up(k, 4);
  for (int64_t p = 0; p * mr < rows; ++p) {
    uint8_t* panel = out + p * mr * kpad;
    for (int i = 0; i < mr; ++i) {
      const int64_t row = p * mr + i;
      for (int64_t kk = 0; kk < kpad; ++kk) {
        // Padding is 0 (not the zero point): padded B rows are zero, so it adds nothing.
        const uint8_t value = row < rows && kk < k ? quantize_u8(a[row * lda + kk], q) : 0;
        panel[(kk / 4) * mr * 4 + i * 4 + kk % 4] = value;
      }
    }
  }
}

void pack_a_u8_ready(const LowpVariant& v, const uint8_t* a, int64_t lda, int64_t rows, int64_t k,
                     void* packed) {
  uint8_t* out = static_cast<uint8_t*>(packed);
  const int mr = v.mr;
  const int64_t kpad = padded_k(v, k), total_rows = round_up(rows, mr);
  if (v.amx) {  // [mr][kpad] rows
    for (int64_t row = 0; row < total_rows; ++row) {
      uint8_t* dst = out + row * kpad;
      const int64_t count = row < rows ? k : 0;
      if (count > 0) std::memcpy(dst, a + row * lda, static_cast<size_t>(count));
      std::memset(dst + count, 0, static_cast<size_t>(kpad - count));
    }
    return;
  }
  // [kpad/4][mr][4] quads per panel of mr rows
  const int64_t whole = k / 4 * 4;
  for (int64_t p = 0; p * mr < total_rows; ++p) {
    uint8_t* panel = out + p * mr * kpad;
    for (int i = 0; i < mr; ++i) {
      const int64_t row = p * mr + i;
      uint8_t* dst = panel + i * 4;
      if (row >= rows) {
        for (int64_t kk = 0; kk < kpad; kk += 4) std::memset(dst + kk * mr, 0, 4);
        continue;
      }
      const uint8_t* src = a + row * lda;
      for (int64_t kk = 0; kk < whole; kk += 4) std::memcpy(dst + kk * mr, src + kk, 4);
      for (int64_t kk = whole; kk < kpad; kk += 4) {
        uint8_t quad[4] = {0, 0, 0, 0};
        for (int64_t j = kk; j < k && j < kk + 4; ++j) quad[j - kk] = src[j];
        std::memcpy(dst + kk * mr, quad, 4);
      }
    }
  }
}

}  // namespace kiln::lowp_gemm

// Scalar conversions of the reduced-precision GEMM families (round to nearest even), the
// activation quantizer and the requantize epilogue. Plain C++: the oracle for the vector packers.
#include <cmath>
#include <cstring>
#include <limits>

#include "lowp.h"

namespace kiln::lowp_gemm {

const char* format_name(Format format) {
  switch (format) {
    case Format::kBf16: return "bfloat16";
    case Format::kF16: return "float16";
    case Format::kQu8: return "int8";
  }
  return "unknown";
}

uint16_t float_to_bf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);  // quiet NaN
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

float bf16_to_float(uint16_t x) {
  const uint32_t bits = static_cast<uint32_t>(x) << 16;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

uint16_t float_to_f16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t abs = bits & 0x7FFFFFFFu;
  if (abs > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u);  // NaN
  if (abs >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds past 65504: inf
  if (abs < 0x38800000u) {  // below the smallest normal half: subnormal (or zero), 2^-24 steps
    float magnitude;
    std::memcpy(&magnitude, &abs, 4);
    const float scaled = magnitude * 16777216.0f;  // exact: a power-of-two scale
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(scaled)));
  }
  uint32_t rounded = abs + 0xFFFu + ((abs >> 13) & 1u);  // RNE on the 13 dropped mantissa bits
  return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

float f16_to_float(uint16_t x) {
  const uint32_t sign = static_cast<uint32_t>(x & 0x8000u) << 16;
  const uint32_t exponent = (x >> 10) & 0x1Fu, mantissa = x & 0x3FFu;
  uint32_t bits;
  if (exponent == 0) {
    const float value = static_cast<float>(mantissa) * (1.0f / 16777216.0f);
    std::memcpy(&bits, &value, 4);
    bits |= sign;
  } else if (exponent == 31) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

void dequantize_row_u8(const uint8_t* x, int64_t n, const Quantization& grid, float* y) {
  for (int64_t j = 0; j < n; ++j) y[j] = static_cast<float>(static_cast<int32_t>(x[j]) - grid.zero_point) * grid.scale;
}

bool finishable(const Epilogue& epilogue, RowFinish* finish) {
  const float infinity = std::numeric_limits<float>::infinity();
  if (epilogue.scale != 1.0f) return false;  // the one-pass finish has no scale: epilogue_row does it
  switch (epilogue.activation) {
    case Activation::kNone: finish->lo = -infinity, finish->hi = infinity; return true;
    case Activation::kRelu: finish->lo = 0.0f, finish->hi = infinity; return true;
    case Activation::kClip: finish->lo = epilogue.alpha, finish->hi = epilogue.beta; return true;
    default:
      finish->lo = -infinity, finish->hi = infinity, finish->activation = &epilogue;
      return true;
  }
}

void quantize_row_u8(const float* x, int64_t n, const Quantization& q, uint8_t* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = quantize_u8(x[i], q);
}

void prepare_requantize(RowFinish* finish) {
  const float inverse = 1.0f / finish->output.scale, z = static_cast<float>(finish->output.zero_point);
  // clamp(v, lo, hi), then clamp(rne(v * inverse) + z, 0, 255), equals clamp(rne(v * inverse) + z,
  // b(lo), b(hi)) with b(x) = clamp(rne(x * inverse) + z, 0, 255): scaling and rounding are monotone.
  auto bound = [&](float x) {
    const float r = std::nearbyint(x * inverse) + z;
    return (r > 255.0f ? 255.0f : r < 0.0f ? 0.0f : r) - z;
  };
  finish->inverse = inverse, finish->q_lo = bound(finish->lo), finish->q_hi = bound(finish->hi);
}

uint8_t quantize_u8(float x, const Quantization& q) {
  float v = std::nearbyint(x / q.scale) + static_cast<float>(q.zero_point);
  if (!(v >= 0.0f)) v = 0.0f;  // NaN -> 0
  if (v > 255.0f) v = 255.0f;
  return static_cast<uint8_t>(v);
}

namespace {

template <class T>
void requantize(const float* x, int64_t n, float scale, int32_t zero_point, int32_t lo, int32_t hi,
                T* y) {
  // x * (1 / scale): a division per value would cost more than the GEMM of a small-K layer. It
  // can differ from x / scale by one step only where x / scale is within an ulp of a half.
  const float inverse_lo = static_cast<float>(lo), inverse_hi = static_cast<float>(hi);
  const float inverse_scale = 1.0f / scale;
  for (int64_t j = 0; j < n; ++j) {
    float v = std::nearbyint(x[j] * inverse_scale) + static_cast<float>(zero_point);
    if (!(v >= inverse_lo)) v = inverse_lo;
    if (v > inverse_hi) v = inverse_hi;
    y[j] = static_cast<T>(static_cast<int32_t>(v));
  }
}

}  // namespace

void requantize_row_u8(const float* x, int64_t n, float scale, int32_t zero_point, int32_t lo,
                       int32_t hi, uint8_t* y) {
  requantize(x, n, scale, zero_point, lo < 0 ? 0 : lo, hi > 255 ? 255 : hi, y);
}

void requantize_row_u8_for(Isa isa, const float* x, int64_t n, const Quantization& q, uint8_t* y) {
  if (static_cast<int>(isa) >= static_cast<int>(Isa::kAvx512)) {
    requantize_row_u8__avx512(x, n, q.scale, q.zero_point, 0, 255, y);
  } else {
    requantize_row_u8(x, n, q.scale, q.zero_point, 0, 255, y);
  }
}

void requantize_row_s8(const float* x, int64_t n, float scale, int32_t zero_point, int32_t lo,
                       int32_t hi, int8_t* y) {
  requantize(x, n, scale, zero_point, lo < -128 ? -128 : lo, hi > 127 ? 127 : hi, y);
}

}  // namespace kiln::lowp_gemm

// Winograd tile transforms, scalar reference: one channel at a time.
#include "winograd-transforms.h"
#include "winograd.h"

namespace kiln::f32_conv {
namespace {

struct Scalar {
  using T = float;
  static constexpr int kWidth = 1;
  static T load(const float* p) { return *p; }
  static T load_tail(const float* p, int) { return *p; }
  static void store(float* p, T v) { *p = v; }
  static void store_tail(float* p, T v, int) { *p = v; }
  static T add(T a, T b) { return a + b; }
  static T sub(T a, T b) { return a - b; }
  static T min(T a, T b) { return a < b ? a : b; }
  static T max(T a, T b) { return a > b ? a : b; }
  static T set1(float x) { return x; }
  static T fmadd(T a, T b, T c) { return a * b + c; }
};

}  // namespace

KILN_WINOGRAD_DEFINE(scalar, Scalar)

}  // namespace kiln::f32_conv

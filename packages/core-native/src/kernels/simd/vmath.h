// Vector transcendental functions over V (see vec.h): exp and log after Cephes' single-precision
// range reduction, erf after Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), and what is built on
// them. Accuracy targets the tolerances in test/tolerances.ts (rtol 1e-5 / atol 1e-6 class).
#pragma once

#include <limits>

#include "kernels/simd/vec.h"

namespace kiln {
namespace {

inline V vexp(V x) {
  const V hi = V::set1(88.7228393f), lo = V::set1(-87.3365448f);
  const V xc = vmin(vmax(x, lo), hi);
  V n = vround(xc * V::set1(1.44269504088896341f));
  n = vmin(vmax(n, V::set1(-126.0f)), V::set1(127.0f));
  V r = fmadd(n, V::set1(-0.693359375f), xc);
  r = fmadd(n, V::set1(2.12194440e-4f), r);
  V p = V::set1(1.9875691500e-4f);
  p = fmadd(p, r, V::set1(1.3981999507e-3f));
  p = fmadd(p, r, V::set1(8.3334519073e-3f));
  p = fmadd(p, r, V::set1(4.1665795894e-2f));
  p = fmadd(p, r, V::set1(1.6666665459e-1f));
  p = fmadd(p, r, V::set1(5.0000001201e-1f));
  V y = fmadd(p, r * r, r + V::set1(1.0f));
  y = y * pow2i(n);
  y = select(gt(x, hi), V::set1(std::numeric_limits<float>::infinity()), y);
  return select(lt(x, lo), V::zero(), y);
}

inline V vlog(V x) {
  V m, e;
  frexp_v(x, &m, &e);
  const M small = lt(m, V::set1(0.707106781186547524f));
  e = e - select(small, V::set1(1.0f), V::zero());
  m = m - V::set1(1.0f) + select(small, m, V::zero());
  const V z = m * m;
  V p = V::set1(7.0376836292e-2f);
  p = fmadd(p, m, V::set1(-1.1514610310e-1f));
  p = fmadd(p, m, V::set1(1.1676998740e-1f));
  p = fmadd(p, m, V::set1(-1.2420140846e-1f));
  p = fmadd(p, m, V::set1(1.4249322787e-1f));
  p = fmadd(p, m, V::set1(-1.6668057665e-1f));
  p = fmadd(p, m, V::set1(2.0000714765e-1f));
  p = fmadd(p, m, V::set1(-2.4999993993e-1f));
  p = fmadd(p, m, V::set1(3.3333331174e-1f));
  V y = p * m * z;
  y = fmadd(e, V::set1(-2.12194440e-4f), y);
  y = y - V::set1(0.5f) * z;
  V result = fmadd(e, V::set1(0.693359375f), m + y);
  const V inf = V::set1(std::numeric_limits<float>::infinity());
  result = select(gt(x, V::set1(3.4028234e38f)), inf, result);
  result = select(le(x, V::zero()), V::set1(-std::numeric_limits<float>::infinity()), result);
  return select(lt(x, V::zero()), V::set1(std::numeric_limits<float>::quiet_NaN()), result);
}

inline V vsigmoid(V x) {
  const V one = V::set1(1.0f);
  return one / (one + vexp(V::zero() - x));
}

inline V vtanh(V x) {
  // tanh(x) = sign(x) * (1 - 2 / (exp(2|x|) + 1)), saturating cleanly for large |x|.
  const V a = vabs(x);
  const V t = V::set1(1.0f) - V::set1(2.0f) / (vexp(a + a) + V::set1(1.0f));
  return select(lt(x, V::zero()), V::zero() - t, t);
}

inline V verf(V x) {
  const V a = vabs(x);
  const V t = V::set1(1.0f) / fmadd(V::set1(0.3275911f), a, V::set1(1.0f));
  V p = V::set1(1.061405429f);
  p = fmadd(p, t, V::set1(-1.453152027f));
  p = fmadd(p, t, V::set1(1.421413741f));
  p = fmadd(p, t, V::set1(-0.284496736f));
  p = fmadd(p, t, V::set1(0.254829592f));
  const V y = V::set1(1.0f) - p * t * vexp(V::zero() - a * a);
  return select(lt(x, V::zero()), V::zero() - y, y);
}

}  // namespace
}  // namespace kiln

// Vector f32-rnn cells, compiled once per ISA TU (see kernels/simd/vec.h and vmath.h). Tails go
// through padded loads and partial stores, so every n is handled with the same formulas.
#pragma once

#include "kernels/f32-rnn/variants.h"
#include "kernels/simd/vmath.h"

namespace kiln {
namespace {

struct Run {
  size_t i, len;  // lanes i .. i + len (len <= W)
  V load(const float* p) const { return len == W ? V::load(p + i) : load_tail(p + i, len, 0.0f); }
  void store(V v, float* p) const {
    if (len == W) v.store(p + i);
    else store_tail(v, p + i, len);
  }
};

template <class F>
inline void for_runs(size_t n, const F& f) {
  for (size_t i = 0; i < n; i += W) f(Run{i, n - i < static_cast<size_t>(W) ? n - i : static_cast<size_t>(W)});
}

inline V clamp_v(V v, V clip) { return vmin(vmax(v, V::zero() - clip), clip); }

inline void lstm_cell_impl(size_t n, const float* g, const float* p, float clip, float* c, float* h) {
  const V vc = V::set1(clip);
  for_runs(n, [&](Run r) {
    const V c_prev = r.load(c);
    V pi = r.load(g), pf = r.load(g + 2 * n);
    if (p != nullptr) {
      pi = fmadd(r.load(p), c_prev, pi);
      pf = fmadd(r.load(p + 2 * n), c_prev, pf);
    }
    const V i = vsigmoid(clamp_v(pi, vc)), f = vsigmoid(clamp_v(pf, vc));
    const V c_next = fmadd(f, c_prev, i * vtanh(clamp_v(r.load(g + 3 * n), vc)));
    V po = r.load(g + n);
    if (p != nullptr) po = fmadd(r.load(p + n), c_next, po);
    r.store(c_next, c);
    r.store(vsigmoid(clamp_v(po, vc)) * vtanh(c_next), h);
  });
}

inline void gru_gates_impl(size_t n, const float* x_zr, const float* rec_zr, const float* mul, float clip, float* z,
                           float* rh) {
  const V vc = V::set1(clip);
  for_runs(n, [&](Run r) {
    r.store(vsigmoid(clamp_v(r.load(x_zr) + r.load(rec_zr), vc)), z);
    r.store(vsigmoid(clamp_v(r.load(x_zr + n) + r.load(rec_zr + n), vc)) * r.load(mul), rh);
  });
}

inline void gru_output_impl(size_t n, const float* z, const float* x_h, const float* a, const float* h_prev,
                            float clip, float* h) {
  const V vc = V::set1(clip), one = V::set1(1.0f);
  for_runs(n, [&](Run r) {
    const V vz = r.load(z);
    const V candidate = vtanh(clamp_v(r.load(x_h) + r.load(a), vc));
    r.store(fmadd(one - vz, candidate, vz * r.load(h_prev)), h);
  });
}

// Column blocks of kBlock vectors, each summed over all of k in kBlock independent accumulators
// (the FMA latency times the FMA ports); a last partial block in single vectors with a tail.
inline void gemv_impl(size_t k, size_t n, const float* x, const float* m, size_t ldm, const float* add, float* y) {
  constexpr size_t kBlock = 8;
  size_t j = 0;
  for (; j + kBlock * W <= n; j += kBlock * W) {
    V acc[kBlock];
    for (size_t b = 0; b < kBlock; ++b) acc[b] = add != nullptr ? V::load(add + j + b * W) : V::zero();
    for (size_t i = 0; i < k; ++i) {
      const V xi = V::set1(x[i]);
      const float* row = m + i * ldm + j;
      for (size_t b = 0; b < kBlock; ++b) acc[b] = fmadd(xi, V::load(row + b * W), acc[b]);
    }
    for (size_t b = 0; b < kBlock; ++b) acc[b].store(y + j + b * W);
  }
  for_runs(n - j, [&](Run r) {
    V acc = add != nullptr ? r.load(add + j) : V::zero();
    for (size_t i = 0; i < k; ++i) acc = fmadd(V::set1(x[i]), r.load(m + i * ldm + j), acc);
    r.store(acc, y + j);
  });
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_RNN(isa)                                                                                      \
  namespace kiln {                                                                                                \
  void f32_lstm_cell__##isa(size_t n, const float* g, const float* p, float clip, float* c, float* h) {          \
    lstm_cell_impl(n, g, p, clip, c, h);                                                                          \
  }                                                                                                               \
  void f32_gru_gates__##isa(size_t n, const float* x_zr, const float* rec_zr, const float* mul, float clip,      \
                            float* z, float* rh) {                                                                \
    gru_gates_impl(n, x_zr, rec_zr, mul, clip, z, rh);                                                            \
  }                                                                                                               \
  void f32_gru_output__##isa(size_t n, const float* z, const float* x_h, const float* a, const float* h_prev,    \
                             float clip, float* h) {                                                              \
    gru_output_impl(n, z, x_h, a, h_prev, clip, h);                                                               \
  }                                                                                                               \
  void f32_rnn_gemv__##isa(size_t k, size_t n, const float* x, const float* m, size_t ldm, const float* add,      \
                           float* y) {                                                                            \
    gemv_impl(k, n, x, m, ldm, add, y);                                                                           \
  }                                                                                                               \
  }

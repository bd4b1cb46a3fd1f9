// f32-rnn: the elementwise cell math of LSTM and GRU (ONNX gate orders, default activations:
// sigmoid for gates, tanh elsewhere), per batch row of hidden size n. The driver (f32_rnn_op.cc)
// runs the whole time loop, with the gate projections on f32-gemm. Pre-activations are clamped
// to [-clip, clip] (pass +inf for no clip).
//   lstm_cell: g = [i, o, f, c] pre-activations (4n); p = peepholes [i, o, f] (3n) or null.
//              i = σ(g_i + p_i c), f = σ(g_f + p_f c), c' = f c + i tanh(g_c),
//              o = σ(g_o + p_o c'), h = o tanh(c'). c is updated in place; h written.
//   gru_gates: z = σ(x_z + r_z), r = σ(x_r + r_r); writes z and, for linear_before_reset = 0,
//              rh = r ⊙ h_prev (the next GEMM's input), else rh = r ⊙ rec_h (rec_h given).
//   gru_output: h = (1 - z) tanh(x_h + a) + z h_prev, with a = rec (precomputed r ⊙ (H R_h^T + Rb_h)
//              or (r ⊙ H) R_h^T).
//   gemv: y[0:n] = add[0:n] (or 0) + x[0:k] · m, m row-major [k, n] with row stride ldm: the
//         recurrent product of one batch row (x = h, m = R^T), with enough independent sums per
//         column block to keep the FMA units busy (a GEMM tile of one row has two).
// Enumerator list: best first, scalar reference last. Tactic ids: f32_lstm__<isa>, f32_gru__<isa>.
#pragma once

#include <cstddef>

#include "platform/cpu.h"

namespace kiln {

using LstmCellFn = void (*)(size_t n, const float* g, const float* p, float clip, float* c, float* h);
using GruGatesFn = void (*)(size_t n, const float* x_zr, const float* rec_zr, const float* mul, float clip, float* z,
                            float* rh);
using GruOutputFn = void (*)(size_t n, const float* z, const float* x_h, const float* a, const float* h_prev,
                             float clip, float* h);
using GemvFn = void (*)(size_t k, size_t n, const float* x, const float* m, size_t ldm, const float* add, float* y);

struct F32RnnVariant {
  Isa isa;
  LstmCellFn lstm_cell;
  GruGatesFn gru_gates;
  GruOutputFn gru_output;
  GemvFn gemv;
};

#define KILN_DECLARE_RNN(isa)                                                                                      \
  void f32_lstm_cell__##isa(size_t n, const float* g, const float* p, float clip, float* c, float* h);            \
  void f32_gru_gates__##isa(size_t n, const float* x_zr, const float* rec_zr, const float* mul, float clip,       \
                            float* z, float* rh);                                                                   \
  void f32_gru_output__##isa(size_t n, const float* z, const float* x_h, const float* a, const float* h_prev,     \
                             float clip, float* h);                                                                 \
  void f32_rnn_gemv__##isa(size_t k, size_t n, const float* x, const float* m, size_t ldm, const float* add,      \
                           float* y);
KILN_DECLARE_RNN(scalar)
#if defined(KILN_X86)
KILN_DECLARE_RNN(avx2)
KILN_DECLARE_RNN(avx512)
#endif
#undef KILN_DECLARE_RNN

inline constexpr F32RnnVariant kF32RnnVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_lstm_cell__avx512, f32_gru_gates__avx512, f32_gru_output__avx512, f32_rnn_gemv__avx512},
    {Isa::kAvx2, f32_lstm_cell__avx2, f32_gru_gates__avx2, f32_gru_output__avx2, f32_rnn_gemv__avx2},
#endif
    {Isa::kScalar, f32_lstm_cell__scalar, f32_gru_gates__scalar, f32_gru_output__scalar, f32_rnn_gemv__scalar},
};

}  // namespace kiln

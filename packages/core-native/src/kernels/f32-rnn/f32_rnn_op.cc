// Drivers of f32_lstm and f32_gru layers (ONNX LSTM / GRU, layout 0, default activations): the
// whole time loop in one layer. Per direction: the input projection of every step at once is one
// f32-gemm call (X [seq*batch, I] · W^T plus biases); then per step one (GRU with
// linear_before_reset = 0: two) GEMM of the hidden state with R^T, and the cell math of
// f32-rnn. A batch of at most kGemvRows rows takes the recurrent product row by row on f32-rnn's
// gemv over R^T instead (a GEMM tile of one row is latency-bound). W and R are packed (and R
// transposed) once when they are weights, else at the start of each run (run-time inputs).
//
// f32_lstm: inputs [X [seq,batch,I], W [D,4H,I], R [D,4H,H], B? [D,8H], sequence_lens? [batch],
//           initial_h? [D,batch,H], initial_c? [D,batch,H], P? [D,3H]], outputs [Y? [seq,D,batch,H],
//           Y_h? [D,batch,H], Y_c? [D,batch,H]], params [direction (0 forward, 1 reverse,
//           2 bidirectional), hidden_size, clip (0: none), hasB, hasSequenceLens, hasInitialH,
//           hasInitialC, hasP, hasY, hasYh, hasYc].
// f32_gru:  inputs [X, W [D,3H,I], R [D,3H,H], B? [D,6H], sequence_lens?, initial_h?], outputs [Y?,
//           Y_h?], params [direction, hidden_size, clip, linear_before_reset, hasB,
//           hasSequenceLens, hasInitialH, hasY, hasYh].
// sequence_lens (int32 or int64): rows past their length keep their state and get zeros in Y;
// a length outside [0, seq] rejects the run with ERR_INDEX_OUT_OF_RANGE.
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemm/variants.h"
#include "kernels/f32-rnn/variants.h"
#include "platform/aligned.h"

namespace kiln {
namespace {

using f32_gemm::GemmVariant;

struct RnnDesc {
  bool lstm = true, lbr = false;
  int directions = 1, direction = 0;  // direction: 0 forward, 1 reverse, 2 bidirectional
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, gates = 4;
  float clip = std::numeric_limits<float>::infinity();
  bool lens_int64 = false;
  int x = -1, w = -1, r = -1, b = -1, lens = -1, h0 = -1, c0 = -1, p = -1, y = -1, yh = -1, yc = -1;
};

// Packs rows [row0, row0 + n) of a row-major [*, k] matrix, transposed, as GEMM operand B [k, n].
AlignedBuffer pack_transposed(const GemmVariant& gemm, const float* m, int64_t row0, int64_t n, int64_t k) {
  AlignedBuffer packed(f32_gemm::packed_b_size(gemm, k, n) * sizeof(float), true);
  f32_gemm::pack_b(gemm, k, n, m + row0 * k, 1, k, reinterpret_cast<float*>(packed.data()));
  return packed;
}

void run_gemm(const GemmVariant& gemm, ThreadPool* pool, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
              const AlignedBuffer& packed, float* c, const float* bias, const float* residual, int64_t residual_stride) {
  f32_gemm::GemmParams params;
  params.m = m, params.n = n, params.k = k, params.a = a, params.lda = lda;
  params.packed_b = reinterpret_cast<const float*>(packed.data());
  params.c = c, params.ldc = n;
  params.epilogue.bias = bias;
  params.epilogue.residual = residual;
  params.epilogue.residual_stride = residual_stride;
  f32_gemm::gemm(gemm, params, pool);
}

// Batches up to this many rows run the recurrent product as one gemv per row.
constexpr int64_t kGemvRows = 2;

// One direction's weights as the run uses them.
struct DirectionWeights {
  AlignedBuffer w;          // W^T packed for the GEMM (the input projection)
  AlignedBuffer r, rh;      // R^T packed for the GEMM (GRU default: its z/r rows, then its h rows)
  std::vector<float> r_t;   // R^T row-major [hidden, gates * hidden], for gemv
};

class F32RnnOp final : public Op {
 public:
  F32RnnOp(RnnDesc desc, const GemmVariant& gemm, const F32RnnVariant& cell, bool constant_weights, std::string where)
      : d_(desc), gemm_(gemm), cell_(cell), constant_weights_(constant_weights), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    const int64_t seq = d_.seq, batch = d_.batch, in = d_.input, hid = d_.hidden, gh = d_.gates * hid;
    std::vector<int64_t> lens(batch, seq);
    if (d_.lens >= 0) {
      for (int64_t b = 0; b < batch; ++b) {
        const int64_t v = d_.lens_int64 ? state.at<const int64_t>(d_.lens)[b] : state.at<const int32_t>(d_.lens)[b];
        if (v < 0 || v > seq) {
          throw KilnException("ERR_INDEX_OUT_OF_RANGE", "sequence_lens entry out of range.",
                              "lengths in [0, " + std::to_string(seq) + "]",
                              std::to_string(v) + " at batch " + std::to_string(b), where_,
                              "Check the sequence_lens input: one length per batch row, at most the sequence length.");
        }
        lens[b] = v;
      }
    }
    const float* x = state.at<const float>(d_.x);
    std::vector<float> xg(static_cast<size_t>(seq * batch * gh)), rec(static_cast<size_t>(batch * gh));
    std::vector<float> h(static_cast<size_t>(batch * hid)), c(h.size()), z(h.size()), rh(h.size()), a(h.size());
    std::vector<float> x_bias(static_cast<size_t>(gh)), rec_bias(static_cast<size_t>(gh));
    // Weights are immutable for the engine's life: prepared on the first run, shared by every context.
    std::vector<DirectionWeights> per_run;
    if (constant_weights_) std::call_once(prepared_once_, [&] { prepared_ = prepare(state); });
    else per_run = prepare(state);
    const std::vector<DirectionWeights>& weights = constant_weights_ ? prepared_ : per_run;
    for (int dir = 0; dir < d_.directions; ++dir) {
      const bool reverse = d_.direction == 1 || dir == 1;
      // Biases: Wb (+ Rb, except the GRU's linear_before_reset, which adds Rb inside the reset product).
      const float* bias = d_.b >= 0 ? state.at<const float>(d_.b) + dir * 2 * gh : nullptr;
      for (int64_t j = 0; j < gh; ++j) {
        const float wb = bias ? bias[j] : 0.0f, rb = bias ? bias[gh + j] : 0.0f;
        x_bias[j] = d_.lbr ? wb : wb + rb;
        rec_bias[j] = rb;
      }
      run_gemm(gemm_, state.pool, seq * batch, gh, in, x, in, weights[dir].w, xg.data(), x_bias.data(), nullptr, 0);
      for (int64_t i = 0; i < batch * hid; ++i) {
        h[i] = d_.h0 >= 0 ? state.at<const float>(d_.h0)[dir * batch * hid + i] : 0.0f;
        c[i] = d_.c0 >= 0 ? state.at<const float>(d_.c0)[dir * batch * hid + i] : 0.0f;
      }
      const float* peephole = d_.p >= 0 ? state.at<const float>(d_.p) + dir * 3 * hid : nullptr;
      for (int64_t s = 0; s < seq; ++s) {
        const int64_t t = reverse ? seq - 1 - s : s;
        const float* xt = xg.data() + t * batch * gh;
        step(state.pool, t, xt, weights[dir], peephole, lens, h, c, z, rh, a, rec, rec_bias);
        if (d_.y >= 0) {
          float* y = state.at<float>(d_.y);
          for (int64_t b = 0; b < batch; ++b) {
            float* dst = y + ((t * d_.directions + dir) * batch + b) * hid;
            if (t < lens[b]) std::memcpy(dst, h.data() + b * hid, sizeof(float) * hid);
            else std::memset(dst, 0, sizeof(float) * hid);
          }
        }
      }
      if (d_.yh >= 0) std::memcpy(state.at<float>(d_.yh) + dir * batch * hid, h.data(), sizeof(float) * batch * hid);
      if (d_.yc >= 0) std::memcpy(state.at<float>(d_.yc) + dir * batch * hid, c.data(), sizeof(float) * batch * hid);
    }
  }

 private:
  std::vector<DirectionWeights> prepare(const RunState& state) const {
    const int64_t in = d_.input, hid = d_.hidden, gh = d_.gates * hid;
    const bool split_r = !d_.lstm && !d_.lbr;  // GRU default: z,r from H, then h from r ⊙ H
    std::vector<DirectionWeights> all(static_cast<size_t>(d_.directions));
    for (int dir = 0; dir < d_.directions; ++dir) {
      const float* w = state.at<const float>(d_.w) + dir * gh * in;
      const float* r = state.at<const float>(d_.r) + dir * gh * hid;
      DirectionWeights& dw = all[static_cast<size_t>(dir)];
      dw.w = pack_transposed(gemm_, w, 0, gh, in);
      if (d_.batch <= kGemvRows) {
        dw.r_t.resize(static_cast<size_t>(hid * gh));
        for (int64_t j = 0; j < gh; ++j) {
          for (int64_t i = 0; i < hid; ++i) dw.r_t[static_cast<size_t>(i * gh + j)] = r[j * hid + i];
        }
      } else {
        dw.r = pack_transposed(gemm_, r, 0, split_r ? 2 * hid : gh, hid);
        if (split_r) dw.rh = pack_transposed(gemm_, r, 2 * hid, hid, hid);
      }
    }
    return all;
  }

  // rec[b, col0 : col0 + n] = add[b] + h[b] · R^T[:, col0 : col0 + n] (add: row stride add_stride,
  // or null): the GEMM on the pool, or gemv per row for a small batch.
  void recurrent(ThreadPool* pool, const DirectionWeights& dw, const AlignedBuffer& packed, int64_t col0, int64_t n,
                 const float* hx, float* out, const float* bias, const float* add, int64_t add_stride) const {
    const int64_t batch = d_.batch, hid = d_.hidden, gh = d_.gates * hid;
    if (batch > kGemvRows) return run_gemm(gemm_, pool, batch, n, hid, hx, hid, packed, out, bias, add, add_stride);
    for (int64_t b = 0; b < batch; ++b) {
      const float* row_add = add != nullptr ? add + b * add_stride : bias;
      cell_.gemv(static_cast<size_t>(hid), static_cast<size_t>(n), hx + b * hid, dw.r_t.data() + col0, static_cast<size_t>(gh),
                 row_add, out + b * n);
    }
  }

  // One time step for every batch row: recurrent product(s), then the cell per active row.
  void step(ThreadPool* pool, int64_t t, const float* xt, const DirectionWeights& dw, const float* peephole,
            const std::vector<int64_t>& lens, std::vector<float>& h, std::vector<float>& c, std::vector<float>& z,
            std::vector<float>& rh, std::vector<float>& a, std::vector<float>& rec,
            const std::vector<float>& rec_bias) const {
    const int64_t batch = d_.batch, hid = d_.hidden, gh = d_.gates * hid;
    const float clip = d_.clip;
    if (d_.lstm) {
      recurrent(pool, dw, dw.r, 0, gh, h.data(), rec.data(), nullptr, xt, gh);
      for (int64_t b = 0; b < batch; ++b) {
        if (t < lens[b]) cell_.lstm_cell(hid, rec.data() + b * gh, peephole, clip, c.data() + b * hid, h.data() + b * hid);
      }
      return;
    }
    if (d_.lbr) {
      recurrent(pool, dw, dw.r, 0, gh, h.data(), rec.data(), rec_bias.data(), nullptr, 0);
      for (int64_t b = 0; b < batch; ++b) {
        if (t >= lens[b]) continue;
        const float* rr = rec.data() + b * gh;
        cell_.gru_gates(hid, xt + b * gh, rr, rr + 2 * hid, clip, z.data() + b * hid, rh.data() + b * hid);
        cell_.gru_output(hid, z.data() + b * hid, xt + b * gh + 2 * hid, rh.data() + b * hid, h.data() + b * hid, clip,
                         h.data() + b * hid);
      }
      return;
    }
    recurrent(pool, dw, dw.r, 0, 2 * hid, h.data(), rec.data(), nullptr, nullptr, 0);
    for (int64_t b = 0; b < batch; ++b) {
      cell_.gru_gates(hid, xt + b * gh, rec.data() + b * 2 * hid, h.data() + b * hid, clip, z.data() + b * hid,
                      rh.data() + b * hid);
    }
    recurrent(pool, dw, dw.rh, 2 * hid, hid, rh.data(), a.data(), nullptr, nullptr, 0);
    for (int64_t b = 0; b < batch; ++b) {
      if (t < lens[b]) {
        cell_.gru_output(hid, z.data() + b * hid, xt + b * gh + 2 * hid, a.data() + b * hid, h.data() + b * hid, clip,
                         h.data() + b * hid);
      }
    }
  }

  RnnDesc d_;
  const GemmVariant& gemm_;
  const F32RnnVariant& cell_;
  bool constant_weights_;
  std::string where_;
  mutable std::once_flag prepared_once_;
  mutable std::vector<DirectionWeights> prepared_;
};

void require_shape(const OpBuildArgs& args, const TensorDesc& t, const std::vector<int64_t>& expected, const char* role) {
  require(t.shape == expected, args, std::string("Wrong shape for ") + role + ".", shape_string(expected),
          shape_string(t.shape));
}

}  // namespace

std::unique_ptr<Op> make_f32_rnn(const OpBuildArgs& args) {
  RnnDesc d;
  d.lstm = args.base == "f32_lstm";
  d.gates = d.lstm ? 4 : 3;
  const size_t count = d.lstm ? 11 : 9;
  require_params(args, count,
                 d.lstm ? "direction, hidden_size, clip, hasB, hasSequenceLens, hasInitialH, hasInitialC, hasP, hasY, "
                          "hasYh, hasYc"
                        : "direction, hidden_size, clip, linear_before_reset, hasB, hasSequenceLens, hasInitialH, hasY, "
                          "hasYh");
  const int64_t direction = param_int(args, 0), hidden = param_int(args, 1);
  require(direction >= 0 && direction <= 2, args, "Unknown direction.", "0 forward, 1 reverse, 2 bidirectional",
          std::to_string(direction));
  require(hidden >= 1, args, "hidden_size must be positive.", ">= 1", std::to_string(hidden));
  const double clip = args.layer.params[2];
  require(std::isfinite(clip) && clip >= 0, args, "clip must be finite and >= 0 (0: no clip).", ">= 0", std::to_string(clip));
  size_t next = 3;
  if (!d.lstm) d.lbr = param_int(args, next++) != 0;
  std::vector<bool> flags;
  for (; next < count; ++next) {
    const int64_t f = param_int(args, next);
    require(f == 0 || f == 1, args, "Presence flags must be 0 or 1.", "0 or 1", std::to_string(f));
    flags.push_back(f != 0);
  }
  // flags: LSTM [B, lens, h0, c0, P, Y, Yh, Yc]; GRU [B, lens, h0, Y, Yh].
  const bool has_b = flags[0], has_lens = flags[1], has_h0 = flags[2];
  const bool has_c0 = d.lstm && flags[3], has_p = d.lstm && flags[4];
  const bool has_y = flags[d.lstm ? 5 : 3], has_yh = flags[d.lstm ? 6 : 4], has_yc = d.lstm && flags[7];
  const size_t inputs = 3 + has_b + has_lens + has_h0 + has_c0 + has_p, outputs = has_y + has_yh + has_yc;
  require(outputs >= 1, args, "An RNN layer must produce an output.", "at least one of Y, Y_h, Y_c", "none");
  require_arity(args, inputs, inputs, outputs);
  d.direction = static_cast<int>(direction);
  d.directions = direction == 2 ? 2 : 1;
  d.hidden = hidden;
  if (clip > 0) d.clip = static_cast<float>(clip);
  const auto& in = args.layer.inputs;
  size_t k = 0;
  d.x = in[k++], d.w = in[k++], d.r = in[k++];
  if (has_b) d.b = in[k++];
  if (has_lens) d.lens = in[k++];
  if (has_h0) d.h0 = in[k++];
  if (has_c0) d.c0 = in[k++];
  if (has_p) d.p = in[k++];
  k = 0;
  if (has_y) d.y = args.layer.outputs[k++];
  if (has_yh) d.yh = args.layer.outputs[k++];
  if (has_yc) d.yc = args.layer.outputs[k++];
  const TensorDesc& x = args.program.tensors[d.x];
  require(x.shape.size() == 3, args, "RNN input must be [seq, batch, input].", "rank 3", shape_string(x.shape));
  d.seq = x.shape[0], d.batch = x.shape[1], d.input = x.shape[2];
  const int64_t dirs = d.directions, gh = d.gates * hidden;
  const auto tensor = [&](int index) -> const TensorDesc& { return args.program.tensors[index]; };
  for (int index : {d.x, d.w, d.r, d.b, d.h0, d.c0, d.p, d.y, d.yh, d.yc}) {
    if (index >= 0) require_dtype(args, tensor(index), DType::kFloat32, "RNN tensors");
  }
  require_shape(args, tensor(d.w), {dirs, gh, d.input}, "W");
  require_shape(args, tensor(d.r), {dirs, gh, hidden}, "R");
  if (d.b >= 0) require_shape(args, tensor(d.b), {dirs, 2 * gh}, "B");
  if (d.lens >= 0) {
    const TensorDesc& lens = tensor(d.lens);
    require(lens.dtype == DType::kInt32 || lens.dtype == DType::kInt64, args, "sequence_lens must be integers.",
            "int32 or int64", dtype_name(lens.dtype));
    require_shape(args, lens, {d.batch}, "sequence_lens");
    d.lens_int64 = lens.dtype == DType::kInt64;
  }
  for (int index : {d.h0, d.c0, d.yh, d.yc}) {
    if (index >= 0) require_shape(args, tensor(index), {dirs, d.batch, hidden}, "initial / final states");
  }
  if (d.p >= 0) require_shape(args, tensor(d.p), {dirs, 3 * hidden}, "P");
  if (d.y >= 0) require_shape(args, tensor(d.y), {d.seq, dirs, d.batch, hidden}, "Y");
  const GemmVariant* gemm = nullptr;
  for (size_t i = 0; i < f32_gemm::variant_count() && gemm == nullptr; ++i) {
    const GemmVariant& v = f32_gemm::variants()[i];
    if (static_cast<int>(v.isa) <= static_cast<int>(args.isa)) gemm = &v;
  }
  require(gemm != nullptr, args, "No GEMM variant for this ISA.", "a GEMM variant at or below the layer's ISA",
          isa_name(args.isa));
  const bool constant_weights = tensor(d.w).location == Location::kWeights && tensor(d.r).location == Location::kWeights;
  return std::make_unique<F32RnnOp>(d, *gemm, pick_variant(kF32RnnVariants, args.isa), constant_weights, args.where);
}

}  // namespace kiln

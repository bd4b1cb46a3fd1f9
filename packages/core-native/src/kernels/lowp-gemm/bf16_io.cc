// Portable bf16 row conversions and their threaded whole-tensor drivers.
#include "bf16_io.h"

#include <algorithm>

#include "runtime/thread_pool.h"

namespace kiln::lowp_gemm {
namespace {

constexpr int64_t kChunk = 16384;

bool vector_rows() { return static_cast<int>(max_isa()) >= static_cast<int>(Isa::kAvx512); }

template <class From, class To, class Fn>
void chunked(const From* x, int64_t n, To* y, ThreadPool* pool, Fn row) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  auto run = [&](int64_t i) {
    const int64_t first = i * kChunk;
    row(x + first, std::min(kChunk, n - first), y + first);
  };
  if (pool == nullptr || chunks <= 1) {
    for (int64_t i = 0; i < chunks; ++i) run(i);
  } else {
    pool->parallel_for(chunks, run);
  }
}

}  // namespace

void widen_bf16_row(const uint16_t* x, int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_float(x[i]);
}

void narrow_bf16_row(const float* x, int64_t n, uint16_t* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = float_to_bf16(x[i]);
}

void widen_bf16(const uint16_t* x, int64_t n, float* y, ThreadPool* pool) {
  chunked(x, n, y, pool, vector_rows() ? widen_bf16_row__avx512 : widen_bf16_row);
}

void narrow_bf16(const float* x, int64_t n, uint16_t* y, ThreadPool* pool) {
  chunked(x, n, y, pool, vector_rows() ? narrow_bf16_row__avx512 : narrow_bf16_row);
}

}  // namespace kiln::lowp_gemm

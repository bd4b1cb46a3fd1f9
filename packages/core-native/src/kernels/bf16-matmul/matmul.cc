// bf16_matmul driver and variant list. Tasks are (batch entry, row block) pairs numbered along the
// data, so the pool's home ranges give each thread whole entries where there are enough of them;
// a thread packs the B of an entry the first time one of its tasks needs it and keeps it for its
// next task of the same B (one packed B per thread: entries sharing a B are neighbours, as are
// the row blocks of one entry). Each row block then runs lowp-gemm's gemm_block on the packed B
// (A rounded to bf16 as it is packed, the variant's tiles, fp32 C), or on AVX512-BF16 its bf16-io
// kernel (the same sums, A rows converted once and read unpacked).
#include "matmul.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>

#include "kernels/f32-gemm/scratch.h"
#include "kernels/lowp-gemm/bf16_io.h"
#include "runtime/thread_pool.h"

namespace kiln::bf16_matmul {
namespace {

// name, isa, lowp-gemm bf16 variant, B packer
const MatmulVariant kVariants[] = {
    {"bf16_matmul_32x32__amx", Isa::kAmx, "bf16_gemm_32x32__amx", pack_b_bf16_32__avx512},
    {"bf16_matmul_14x32c2__avx512bf16", Isa::kAvx512Bf16, "bf16_gemm_14x32c2__avx512bf16", pack_b_bf16_32__avx512},
    {"bf16_matmul_4x4c2__scalar", Isa::kScalar, "bf16_gemm_4x4c2__scalar", nullptr},
};

// Scratch slot of the packed B (slot 0 is gemm_block's packed A).
constexpr int kPackedBSlot = 1;

// Which B this thread's scratch holds: a call (numbered process-wide, so a stale key never
// matches a later call's data) and the B slot within it.
struct PackedKey {
  uint64_t call = 0;
  int64_t slot = -1;
};

uint64_t next_call() {
  static std::atomic<uint64_t> calls{0};
  return calls.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

void matmul(const MatmulVariant& variant, const lowp_gemm::LowpVariant& gemm, const MatmulParams& p,
            ThreadPool* pool) {
  assert(p.m >= 1 && p.n >= 1 && p.k >= 1 && p.entry_count >= 1 && p.b_count >= 1);
  assert(p.a != nullptr && p.b != nullptr && p.c != nullptr && p.entries != nullptr && p.b_offsets != nullptr);
  assert(gemm.format == lowp_gemm::Format::kBf16 && (variant.pack_b == nullptr || gemm.nr == 32));
  const int threads = pool != nullptr ? pool->size() : 1;
  const int64_t kpad = (p.k + gemm.k_align - 1) / gemm.k_align * gemm.k_align;
  const size_t packed_bytes = lowp_gemm::packed_b_bytes(gemm, p.k, p.n);
  // Row blocks per entry: enough tasks for four per thread, in whole register tiles.
  const int64_t row_tiles = (p.m + gemm.mr - 1) / gemm.mr;
  const int64_t wanted = threads == 1 ? 1 : (4 * threads + p.entry_count - 1) / p.entry_count;
  const int64_t blocks = std::max<int64_t>(1, std::min(row_tiles, wanted));
  const int64_t block_rows = (row_tiles + blocks - 1) / blocks * gemm.mr;
  const int64_t per_entry = (p.m + block_rows - 1) / block_rows;
  const uint64_t call = next_call();
  auto run = [&](int64_t task) {
    thread_local PackedKey held;
    const BatchEntry& entry = p.entries[task / per_entry];
    const int64_t m0 = task % per_entry * block_rows;
    auto* packed = reinterpret_cast<uint16_t*>(f32_gemm::thread_scratch((packed_bytes + 3) / 4, kPackedBSlot));
    assert(packed != nullptr);
    if (held.call != call || held.slot != entry.b_slot) {
      const float* b = p.b + p.b_offsets[entry.b_slot];
      if (variant.pack_b != nullptr) {
        variant.pack_b(p.k, p.n, b, p.n, kpad, packed);
      } else {
        lowp_gemm::pack_b(gemm, p.k, p.n, b, p.n, 1, nullptr, 0, packed);
      }
      held = {call, entry.b_slot};
    }
    lowp_gemm::LowpParams g;
    g.m = p.m, g.n = p.n, g.k = p.k;
    g.a = p.a + entry.a, g.lda = p.k;
    g.packed_b = packed;
    g.c = p.c + entry.c, g.ldc = p.n;
    const int64_t m1 = std::min(p.m, m0 + block_rows);
    if (lowp_gemm::io_for_fp32(gemm)) {
      gemm.io(gemm, g, lowp_gemm::Bf16Io{}, m0, m1, 0, p.n);
    } else {
      lowp_gemm::gemm_block(gemm, g, m0, m1, 0, p.n);
    }
    // alpha on the finished fp32 sums, over the block's rows at once (contiguous: ldc = N) while
    // they are in cache. Cheaper than the epilogue's per-tile pass, which reads each tile back
    // right after the tile store (about 2x the cost on AMX).
    if (p.alpha != 1.0f) {
      const float alpha = p.alpha;  // a local: stores through c cannot change it, so the loop vectorizes
      float* c = g.c + m0 * p.n;
      const int64_t count = (m1 - m0) * p.n;
      for (int64_t i = 0; i < count; ++i) c[i] *= alpha;
    }
  };
  const int64_t tasks = p.entry_count * per_entry;
  if (pool == nullptr || threads == 1 || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task) run(task);
    return;
  }
  pool->parallel_for(tasks, run);
}

const MatmulVariant* variants() { return kVariants; }
size_t variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const MatmulVariant* find_variant(const char* name) {
  for (const MatmulVariant& variant : kVariants) {
    if (std::strcmp(variant.name, name) == 0) return &variant;
  }
  return nullptr;
}

}  // namespace kiln::bf16_matmul

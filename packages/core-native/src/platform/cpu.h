// CPU feature detection and the ISA ladder kernels dispatch on.
//
// Detection is done once per process (cpuid + xgetbv, and on Linux the AMX tile-data permission
// request). The cap (KILN_MAX_ISA, read in JS and passed down through set_isa_cap) lowers what
// max_isa() reports so lower kernel paths can be exercised on a newer CPU.
#pragma once

#include <string>

namespace kiln {

// Ordered: a higher value implies every lower one is usable.
// avx512vnni: AVX512-VNNI (Cascade Lake, Ice Lake); avx512bf16 adds AVX512-BF16 (Cooper Lake,
// Zen 4); avx512fp16 adds AVX512-FP16 (Sapphire Rapids); amx adds AMX tile, int8 and bf16.
enum class Isa : int {
  kScalar = 0,
  kAvx2 = 1,
  kAvx512 = 2,
  kAvx512Vnni = 3,
  kAvx512Bf16 = 4,
  kAvx512Fp16 = 5,
  kAmx = 6
};

constexpr int kIsaCount = 7;

struct CpuFeatures {
  bool avx2, fma, f16c;
  bool avx512f, avx512bw, avx512vl, avx512dq;
  bool avx512vnni, avx512bf16, avx512fp16;
  bool amx_tile, amx_int8, amx_bf16;
};

// Features the CPU has AND the OS has enabled (XCR0 state saving; AMX tile data permitted).
const CpuFeatures& cpu_features();

// Highest ISA level whose every feature is present (see isa.cc for the level definitions).
Isa detected_isa();

// min(detected_isa(), cap). Thread-safe; the cap is process-wide because CPU capabilities are.
Isa max_isa();

// Caps max_isa(). Passing Isa::kAmx removes the cap.
void set_isa_cap(Isa cap);

// "scalar", "avx2", "avx512", "avx512vnni", "avx512bf16", "avx512fp16", "amx".
const char* isa_name(Isa isa);

// Every isa_name(), lowest first, joined by `separator` (`last` before the final one), for error
// messages: isa_names(", ", " or ") is "scalar, avx2, ... or amx".
std::string isa_names(const char* separator, const char* last);

// Parses an isa_name() string; returns false when unknown.
bool parse_isa(const char* name, Isa* out);

// True when `isa` is <= max_isa().
inline bool isa_usable(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(max_isa()); }

}  // namespace kiln

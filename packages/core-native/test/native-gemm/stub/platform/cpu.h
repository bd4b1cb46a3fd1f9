// Local stand-in for src/platform/cpu.h (owned by the core-native build engineer), used only
// when this harness is built before that header exists. Same contract, minimal implementation.
#pragma once

namespace kiln {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kAvx512Vnni = 3, kAvx512Bf16 = 4, kAvx512Fp16 = 5, kAmx = 6 };

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512 = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avx512fp16 = false;
  bool amx = false;
};

inline const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    f.avx512vnni = f.avx512 && __builtin_cpu_supports("avx512vnni");
    f.avx512bf16 = f.avx512vnni && __builtin_cpu_supports("avx512bf16");
    f.avx512fp16 = f.avx512bf16 && __builtin_cpu_supports("avx512fp16");
    return f;
  }();
  return features;
}

inline Isa max_isa() {
  const CpuFeatures& f = cpu_features();
  if (f.avx512fp16) return Isa::kAvx512Fp16;
  if (f.avx512bf16) return Isa::kAvx512Bf16;
  if (f.avx512vnni) return Isa::kAvx512Vnni;
  if (f.avx512) return Isa::kAvx512;
  if (f.avx2 && f.fma) return Isa::kAvx2;
  return Isa::kScalar;
}

inline const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kAvx512Bf16: return "avx512bf16";
    case Isa::kAvx512Fp16: return "avx512fp16";
    case Isa::kAmx: return "amx";
  }
  return "unknown";
}

}  // namespace kiln

// CPU feature detection: cpuid says what the CPU has, xgetbv says what the OS saves on context
// switches (a feature is only usable when both agree), and on Linux AMX tile data additionally
// needs a per-process permission request (arch_prctl ARCH_REQ_XCOMP_PERM).
#include "platform/cpu.h"

#include <atomic>
#include <cstdint>
#include <cstring>

#if defined(KILN_X86)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#endif

namespace kiln {
namespace {

#if defined(KILN_X86)
struct Regs {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

Regs cpuid(unsigned leaf, unsigned subleaf) {
  Regs r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

uint64_t xgetbv0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool bit(unsigned value, int index) { return (value >> index) & 1u; }

// Linux gates AMX tile data (XCR0 bits 17/18) behind a permission request per process.
bool request_amx_permission() {
#if defined(__linux__)
  constexpr long kArchGetXcompPerm = 0x1022;
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
  unsigned long permitted = 0;
  if (syscall(SYS_arch_prctl, kArchGetXcompPerm, &permitted) != 0) return false;
  return (permitted >> kXfeatureXtiledata) & 1u;
#else
  return false;
#endif
}

CpuFeatures detect() {
  CpuFeatures f;
  std::memset(&f, 0, sizeof f);
  const unsigned max_leaf = cpuid(0, 0).eax;
  if (max_leaf < 1) return f;
  const Regs l1 = cpuid(1, 0);
  const bool osxsave = bit(l1.ecx, 27);
  if (!osxsave) return f;
  const uint64_t xcr0 = xgetbv0();
  const bool os_avx = (xcr0 & 0x6) == 0x6;             // XMM + YMM state
  const bool os_avx512 = os_avx && (xcr0 & 0xE0) == 0xE0;  // opmask + ZMM_Hi256 + Hi16_ZMM
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;     // XTILECFG + XTILEDATA
  const Regs l7 = max_leaf >= 7 ? cpuid(7, 0) : Regs{};
  const Regs l7s1 = (max_leaf >= 7 && l7.eax >= 1) ? cpuid(7, 1) : Regs{};

  f.fma = os_avx && bit(l1.ecx, 12);
  f.f16c = os_avx && bit(l1.ecx, 29);
  f.avx2 = os_avx && bit(l1.ecx, 28) && bit(l7.ebx, 5);
  f.avx512f = os_avx512 && bit(l7.ebx, 16);
  f.avx512dq = f.avx512f && bit(l7.ebx, 17);
  f.avx512bw = f.avx512f && bit(l7.ebx, 30);
  f.avx512vl = f.avx512f && bit(l7.ebx, 31);
  f.avx512vnni = f.avx512f && bit(l7.ecx, 11);
  f.avx512bf16 = f.avx512f && bit(l7s1.eax, 5);
  f.avx512fp16 = f.avx512f && bit(l7.edx, 23);
  const bool cpu_amx_tile = bit(l7.edx, 24);
  if (os_amx && cpu_amx_tile && request_amx_permission()) {
    f.amx_tile = true;
    f.amx_bf16 = bit(l7.edx, 22);
    f.amx_int8 = bit(l7.edx, 25);
  }
  return f;
}
#else
CpuFeatures detect() {
  CpuFeatures f;
  std::memset(&f, 0, sizeof f);
  return f;
}
#endif

Isa level_of(const CpuFeatures& f) {
  // Each level requires every feature its translation units are compiled with (binding.gyp).
  if (!(f.avx2 && f.fma && f.f16c)) return Isa::kScalar;
  if (!(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq)) return Isa::kAvx2;
  if (!f.avx512vnni) return Isa::kAvx512;
  if (!f.avx512bf16) return Isa::kAvx512Vnni;
  if (!f.avx512fp16) return Isa::kAvx512Bf16;
  if (!(f.amx_tile && f.amx_int8 && f.amx_bf16)) return Isa::kAvx512Fp16;
  return Isa::kAmx;
}

std::atomic<int> g_cap{static_cast<int>(Isa::kAmx)};  // a process-wide CPU property, not JS state

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();  // thread-safe one-time init
  return features;
}

Isa detected_isa() {
  static const Isa level = level_of(cpu_features());
  return level;
}

Isa max_isa() {
  const int detected = static_cast<int>(detected_isa());
  const int cap = g_cap.load(std::memory_order_relaxed);
  return static_cast<Isa>(detected < cap ? detected : cap);
}

void set_isa_cap(Isa cap) { g_cap.store(static_cast<int>(cap), std::memory_order_relaxed); }

const char* isa_name(Isa isa) {
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

std::string isa_names(const char* separator, const char* last) {
  std::string names = isa_name(static_cast<Isa>(0));
  for (int i = 1; i < kIsaCount; ++i) names += std::string(i + 1 == kIsaCount ? last : separator) + isa_name(static_cast<Isa>(i));
  return names;
}

bool parse_isa(const char* name, Isa* out) {
  for (int i = 0; i < kIsaCount; ++i) {
    if (std::strcmp(name, isa_name(static_cast<Isa>(i))) == 0) {
      *out = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

}  // namespace kiln

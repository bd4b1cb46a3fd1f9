#include "platform/crc32c.h"

#include <array>

#if defined(KILN_X86)
#include <nmmintrin.h>
#endif

namespace kiln {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u;  // CRC-32C, reflected

std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (crc & 1 ? kPolynomial : 0);
    table[i] = crc;
  }
  return table;
}

uint32_t crc32c_table(uint32_t crc, const uint8_t* data, size_t size) {
  static const std::array<uint32_t, 256> table = make_table();
  for (size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(KILN_X86)
// One serial stream of 8-byte crc32 instructions (about 8 GB/s at 3 GHz: a 14 MB plan in
// under 2 ms), after single bytes up to 8-byte alignment.
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t crc, const uint8_t* data, size_t size) {
  uint64_t value = crc;
  size_t i = 0;
  for (; i < size && (reinterpret_cast<uintptr_t>(data + i) & 7) != 0; ++i) {
    value = _mm_crc32_u8(static_cast<uint32_t>(value), data[i]);
  }
  for (; i + 32 <= size; i += 32) {
    uint64_t words[4];
    __builtin_memcpy(words, data + i, sizeof words);
    value = _mm_crc32_u64(value, words[0]);
    value = _mm_crc32_u64(value, words[1]);
    value = _mm_crc32_u64(value, words[2]);
    value = _mm_crc32_u64(value, words[3]);
  }
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    __builtin_memcpy(&word, data + i, sizeof word);
    value = _mm_crc32_u64(value, word);
  }
  for (; i < size; ++i) value = _mm_crc32_u8(static_cast<uint32_t>(value), data[i]);
  return static_cast<uint32_t>(value);
}
#endif

}  // namespace

uint32_t crc32c(const uint8_t* data, size_t size) {
  uint32_t crc = 0xFFFFFFFFu;
#if defined(KILN_X86)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  crc = hardware ? crc32c_sse42(crc, data, size) : crc32c_table(crc, data, size);
#else
  crc = crc32c_table(crc, data, size);
#endif
  return crc ^ 0xFFFFFFFFu;
}

}  // namespace kiln

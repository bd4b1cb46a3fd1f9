// CRC-32C (Castagnoli), the checksum of plan files: hardware crc32 instructions (SSE4.2) where the
// CPU has them, a table otherwise; both give the same value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kiln {

uint32_t crc32c(const uint8_t* data, size_t size);

}  // namespace kiln

// Scalar reference for x-where (where_loops.h for every word size).
#include "kernels/x-where/where_loops.h"

KILN_DEFINE_WHERE_LOOP(scalar, 1, uint8_t)
KILN_DEFINE_WHERE_LOOP(scalar, 2, uint16_t)
KILN_DEFINE_WHERE_LOOP(scalar, 4, uint32_t)
KILN_DEFINE_WHERE_LOOP(scalar, 8, uint64_t)

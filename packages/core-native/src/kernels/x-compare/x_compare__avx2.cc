// x-compare, avx2 variant (float32 body in compare_impl.h; integer and bool loops in compare_loops.h).
#include "kernels/x-compare/compare_impl.h"

KILN_DEFINE_COMPARE(avx2)

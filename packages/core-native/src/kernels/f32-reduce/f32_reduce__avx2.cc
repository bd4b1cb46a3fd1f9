// f32-reduce, avx2 variant (body in reduce_impl.h).
#include "kernels/f32-reduce/reduce_impl.h"

KILN_DEFINE_REDUCE(avx2)

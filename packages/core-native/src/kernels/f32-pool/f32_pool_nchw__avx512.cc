// f32 NCHW pooling, avx512 variant (body in pool_nchw_impl.h).
#include "kernels/f32-pool/pool_nchw_impl.h"

KILN_DEFINE_POOL_NCHW(avx512)

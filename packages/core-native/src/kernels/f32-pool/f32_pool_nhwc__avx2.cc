// f32 NHWC pooling, avx2 variant (body in pool_nhwc_impl.h).
#include "kernels/f32-pool/pool_nhwc_impl.h"

KILN_DEFINE_POOL_NHWC(avx2)

// f32-channelnorm, avx2 variant (body in channelnorm_impl.h).
#include "kernels/f32-channelnorm/channelnorm_impl.h"

KILN_DEFINE_CHANNELNORM(avx2)

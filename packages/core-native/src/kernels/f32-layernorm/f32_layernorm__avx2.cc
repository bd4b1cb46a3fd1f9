// f32-layernorm, avx2 variant (body in layernorm_impl.h).
#include "kernels/f32-layernorm/layernorm_impl.h"

KILN_DEFINE_LAYERNORM(avx2)

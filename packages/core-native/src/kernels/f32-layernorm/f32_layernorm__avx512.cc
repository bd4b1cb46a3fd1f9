// f32-layernorm, avx512 variant (body in layernorm_impl.h).
#include "kernels/f32-layernorm/layernorm_impl.h"

KILN_DEFINE_LAYERNORM(avx512)

// f32-softmax, avx512 variant (body in softmax_impl.h).
#include <algorithm>

#include "kernels/f32-softmax/softmax_impl.h"

KILN_DEFINE_SOFTMAX(avx512)

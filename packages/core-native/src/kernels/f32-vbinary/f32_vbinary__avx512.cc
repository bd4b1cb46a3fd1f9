// f32-vbinary, avx512 variant (body in vbinary_impl.h).
#include "kernels/f32-vbinary/vbinary_impl.h"

KILN_DEFINE_VBINARY(avx512)

// f32-resize, avx2 variant (body in resize_impl.h).
#include "kernels/f32-resize/resize_impl.h"

KILN_DEFINE_RESIZE(avx2)

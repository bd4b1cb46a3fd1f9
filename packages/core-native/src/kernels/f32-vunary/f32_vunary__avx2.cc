// f32-vunary, avx2 variant (body in vunary_impl.h).
#include "kernels/f32-vunary/vunary_impl.h"

namespace kiln {

void f32_vunary__avx2(const UnaryStep& step, size_t n, const float* x, float* y) { vunary_impl(step, n, x, y); }

}  // namespace kiln

// Scalar reference for x-cast (cast_loops.h for every pair).
#include "kernels/x-cast/cast_loops.h"

namespace kiln {

CastFn x_cast_pick__scalar(DType from, DType to) { return plain_cast(from, to); }

}  // namespace kiln

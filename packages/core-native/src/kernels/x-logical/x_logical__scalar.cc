// x-logical, scalar variant (loops in logical_loops.h).
#include "kernels/x-logical/logical_loops.h"

KILN_DEFINE_LOGICAL(scalar)

// Reads the JS program object (see README "Program encoding") into a kiln::Program.
// Type errors throw KilnException(ERR_PROGRAM_INVALID) naming the field.
#pragma once

#include <napi.h>

#include "executor/program.h"

namespace kiln {

Program program_from_js(const Napi::Value& value);

}  // namespace kiln

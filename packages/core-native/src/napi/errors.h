// Conversion of kiln::KilnException into a JS Error with the KilnError detail fields.
#pragma once

#include <napi.h>

#include "executor/error.h"

namespace kiln {

Napi::Error to_js_error(Napi::Env env, const KilnException& error);

// Throws (as a C++ Napi::Error) a coded argument error from a binding function.
[[noreturn]] void throw_js(Napi::Env env, const KilnException& error);

}  // namespace kiln

// Conversion of kiln::KilnException into a JS Error with the KilnError detail fields.
#pragma once

#include <napi.h>

#include <string>

#include "executor/error.h"

namespace kiln {

Napi::Error to_js_error(Napi::Env env, const KilnException& error);

// Throws (as a C++ Napi::Error) a coded argument error from a binding function.
[[noreturn]] void throw_js(Napi::Env env, const KilnException& error);

// Call only inside a catch block: rethrows a Napi::Error as it is, anything else as the coded JS
// error current_failure(during) names (ERR_OUT_OF_MEMORY, ERR_INTERNAL or the KilnException's own).
[[noreturn]] void rethrow_js(Napi::Env env, const std::string& during);

}  // namespace kiln

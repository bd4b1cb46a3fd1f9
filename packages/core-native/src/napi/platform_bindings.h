// JS bindings for CPU features, the ISA cap, the thread pool size and the build version.
#pragma once

#include <napi.h>

namespace kiln {

Napi::Value js_version(const Napi::CallbackInfo& info);
Napi::Value js_cpu_features(const Napi::CallbackInfo& info);
Napi::Value js_detected_isa(const Napi::CallbackInfo& info);
Napi::Value js_max_isa(const Napi::CallbackInfo& info);
Napi::Value js_set_isa_cap(const Napi::CallbackInfo& info);
Napi::Value js_get_threads(const Napi::CallbackInfo& info);
Napi::Value js_set_threads(const Napi::CallbackInfo& info);
Napi::Value js_available_cores(const Napi::CallbackInfo& info);

}  // namespace kiln

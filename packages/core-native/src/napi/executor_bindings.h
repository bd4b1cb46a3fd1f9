// JS classes NativeEngine / NativeContext and the createEngine / kernels functions.
#pragma once

#include <napi.h>

namespace kiln {

Napi::Value js_create_engine(const Napi::CallbackInfo& info);
Napi::Value js_kernels(const Napi::CallbackInfo& info);
void init_executor_classes(Napi::Env env, Napi::Object exports);

}  // namespace kiln

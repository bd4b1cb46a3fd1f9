// The exports table of the native addon, and nothing else.
#include <napi.h>

#include "napi/addon_state.h"
#include "napi/executor_bindings.h"
#include "napi/pack_bindings.h"
#include "napi/platform_bindings.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new kiln::AddonState());  // deleted by Node at environment teardown
  exports.Set("version", Napi::Function::New(env, kiln::js_version, "version"));
  exports.Set("cpuFeatures", Napi::Function::New(env, kiln::js_cpu_features, "cpuFeatures"));
  exports.Set("detectedIsa", Napi::Function::New(env, kiln::js_detected_isa, "detectedIsa"));
  exports.Set("maxIsa", Napi::Function::New(env, kiln::js_max_isa, "maxIsa"));
  exports.Set("setIsaCap", Napi::Function::New(env, kiln::js_set_isa_cap, "setIsaCap"));
  exports.Set("getThreads", Napi::Function::New(env, kiln::js_get_threads, "getThreads"));
  exports.Set("setThreads", Napi::Function::New(env, kiln::js_set_threads, "setThreads"));
  exports.Set("availableCores", Napi::Function::New(env, kiln::js_available_cores, "availableCores"));
  exports.Set("kernels", Napi::Function::New(env, kiln::js_kernels, "kernels"));
  exports.Set("createEngine", Napi::Function::New(env, kiln::js_create_engine, "createEngine"));
  exports.Set("packWeights", Napi::Function::New(env, kiln::js_pack_weights, "packWeights"));
  exports.Set("alignedBytes", Napi::Function::New(env, kiln::js_aligned_bytes, "alignedBytes"));
  exports.Set("checksum", Napi::Function::New(env, kiln::js_checksum, "checksum"));
  kiln::init_executor_classes(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(kiln, Init)

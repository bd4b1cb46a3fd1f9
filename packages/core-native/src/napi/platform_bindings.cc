#include "napi/platform_bindings.h"

#include "napi/addon_state.h"
#include "napi/errors.h"
#include "platform/cpu.h"

namespace kiln {

Napi::Value js_version(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), KILN_VERSION); }

Napi::Value js_cpu_features(const Napi::CallbackInfo& info) {
  const CpuFeatures& f = cpu_features();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("avx2", f.avx2);
  out.Set("fma", f.fma);
  out.Set("f16c", f.f16c);
  out.Set("avx512f", f.avx512f);
  out.Set("avx512bw", f.avx512bw);
  out.Set("avx512vl", f.avx512vl);
  out.Set("avx512dq", f.avx512dq);
  out.Set("avx512vnni", f.avx512vnni);
  out.Set("avx512bf16", f.avx512bf16);
  out.Set("avx512fp16", f.avx512fp16);
  out.Set("amxTile", f.amx_tile);
  out.Set("amxInt8", f.amx_int8);
  out.Set("amxBf16", f.amx_bf16);
  return out;
}

Napi::Value js_detected_isa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), isa_name(detected_isa()));
}

Napi::Value js_max_isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), isa_name(max_isa())); }

Napi::Value js_set_isa_cap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  Isa cap;
  if (!parse_isa(name.c_str(), &cap)) {
    throw_js(env, KilnException("ERR_INVALID_ARGUMENT", "Unknown ISA cap.", isa_names(", ", " or "),
                                name, "setIsaCap", "Pass one of the listed ISA names."));
  }
  set_isa_cap(cap);
  return Napi::String::New(env, isa_name(max_isa()));
}

Napi::Value js_get_threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), AddonState::get(info.Env()).threads());
}

Napi::Value js_set_threads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double value = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  if (!(value >= 1 && value <= 1024) || value != static_cast<int>(value)) {
    throw_js(env, KilnException("ERR_INVALID_ARGUMENT", "Thread count out of range.", "an integer in [1, 1024]",
                                std::to_string(value), "setThreads", "Pass a positive integer, e.g. availableCores()."));
  }
  AddonState::get(env).set_threads(static_cast<int>(value));
  return env.Undefined();
}

Napi::Value js_available_cores(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ThreadPool::available_cores());
}

}  // namespace kiln

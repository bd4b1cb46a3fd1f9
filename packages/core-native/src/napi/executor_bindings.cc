#include "napi/executor_bindings.h"

#include "executor/engine.h"
#include "executor/kernel_registry.h"
#include "napi/addon_state.h"
#include "napi/errors.h"
#include "napi/program_from_js.h"
#include "workers/run_queue.h"

namespace kiln {
namespace {

class NativeEngine : public Napi::ObjectWrap<NativeEngine> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeEngine",
                       {InstanceMethod<&NativeEngine::create_context>("createContext"),
                        InstanceMethod<&NativeEngine::describe>("describe")});
  }

  // new NativeEngine(program, weights?, copyWeights?)
  explicit NativeEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeEngine>(info) {
    Napi::Env env = info.Env();
    const uint8_t* data = nullptr;
    int64_t bytes = 0;
    Napi::Value weights = info[1];
    if (weights.IsArrayBuffer()) {
      buffer_ = weights.As<Napi::ArrayBuffer>();
      data = static_cast<const uint8_t*>(buffer_.Data());
      bytes = static_cast<int64_t>(buffer_.ByteLength());
    } else if (weights.IsTypedArray() || weights.IsDataView()) {
      Napi::Object view = weights.As<Napi::Object>();
      buffer_ = view.Get("buffer").As<Napi::ArrayBuffer>();
      const int64_t offset = view.Get("byteOffset").As<Napi::Number>().Int64Value();
      bytes = view.Get("byteLength").As<Napi::Number>().Int64Value();
      data = static_cast<const uint8_t*>(buffer_.Data()) + offset;
    } else if (!weights.IsUndefined() && !weights.IsNull()) {
      throw_js(env, KilnException("ERR_INVALID_ARGUMENT", "Weights must be an ArrayBuffer or a view of one.",
                                  "ArrayBuffer | ArrayBufferView | undefined", "another value", "createEngine(weights)",
                                  "Pass the plan's weight section, e.g. a Buffer slice."));
    }
    const bool copy = info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
    try {
      engine_ = std::make_shared<Engine>(program_from_js(info[0]), data, bytes, copy);
    } catch (...) {
      rethrow_js(env, "creating the engine");
    }
    if (!buffer_.IsEmpty() && !engine_->weights_copied()) weights_ref_ = Napi::Persistent(buffer_);
  }

  // Throws unless the weights this engine reads are still attached.
  void check_weights(Napi::Env env) {
    if (!weights_ref_.IsEmpty() && weights_ref_.Value().IsDetached()) {
      throw_js(env, KilnException("ERR_ENGINE_DETACHED", "The engine's weights ArrayBuffer was detached (transferred).",
                                  "the weights buffer to stay attached", "a detached ArrayBuffer", "engine weights",
                                  "Do not transfer the weights buffer, or create the engine with copyWeights: true."));
    }
  }

  std::shared_ptr<const Engine> engine() const { return engine_; }

 private:
  Napi::Value create_context(const Napi::CallbackInfo& info) {
    check_weights(info.Env());
    return AddonState::get(info.Env()).context_constructor.New({Value()});
  }

  Napi::Value describe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    const Program& p = engine_->program();
    Napi::Array tactics = Napi::Array::New(env, engine_->tactics().size());
    for (size_t i = 0; i < engine_->tactics().size(); ++i) tactics.Set(static_cast<uint32_t>(i), engine_->tactics()[i]);
    out.Set("tactics", tactics);
    out.Set("arenaBytes", Napi::Number::New(env, static_cast<double>(p.arena_bytes)));
    out.Set("inputCount", Napi::Number::New(env, static_cast<double>(p.input_tensors.size())));
    out.Set("outputCount", Napi::Number::New(env, static_cast<double>(p.output_tensors.size())));
    out.Set("weightsCopied", engine_->weights_copied());
    return out;
  }

  std::shared_ptr<Engine> engine_;
  Napi::ArrayBuffer buffer_;
  Napi::Reference<Napi::ArrayBuffer> weights_ref_;
};

DType dtype_of(napi_typedarray_type type, bool* ok) {
  *ok = true;
  switch (type) {
    case napi_float32_array: return DType::kFloat32;
    case napi_bigint64_array: return DType::kInt64;
    case napi_int32_array: return DType::kInt32;
    case napi_uint8_array: return DType::kBool;
    default: *ok = false; return DType::kFloat32;
  }
}

std::vector<Binding> bindings_from(Napi::Env env, const Napi::Value& value, const char* kind, Napi::Array& keep) {
  if (!value.IsArray()) {
    throw_js(env, KilnException("ERR_BINDING_INVALID", std::string("Expected an array of ") + kind + ".",
                                "an array of typed arrays", "another value", kind, "Pass e.g. [new Float32Array(n)]."));
  }
  Napi::Array array = value.As<Napi::Array>();
  std::vector<Binding> out;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    bool ok = v.IsTypedArray();
    DType dtype = DType::kFloat32;
    if (ok) dtype = dtype_of(v.As<Napi::TypedArray>().TypedArrayType(), &ok);
    if (!ok) {
      throw_js(env, KilnException("ERR_BINDING_INVALID", "Binding is not a supported typed array.",
                                  "Float32Array, BigInt64Array, Int32Array or Uint8Array", "another value",
                                  std::string(kind) + "[" + std::to_string(i) + "]",
                                  "Wrap the data in the typed array matching the tensor's dtype."));
    }
    Napi::TypedArray typed = v.As<Napi::TypedArray>();
    uint8_t* base = static_cast<uint8_t*>(typed.ArrayBuffer().Data());
    out.push_back({base == nullptr ? nullptr : base + typed.ByteOffset(), static_cast<int64_t>(typed.ByteLength()), dtype});
    keep.Set(keep.Length(), v);
  }
  return out;
}

class NativeContext : public Napi::ObjectWrap<NativeContext> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeContext",
                       {InstanceMethod<&NativeContext::run>("run"), InstanceMethod<&NativeContext::run_sync>("runSync"),
                        InstanceMethod<&NativeContext::busy>("busy"),
                        InstanceMethod<&NativeContext::set_profiling>("setProfiling"),
                        InstanceMethod<&NativeContext::last_profile>("lastProfile")});
  }

  explicit NativeContext(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeContext>(info) {
    Napi::Object engine_object = info[0].As<Napi::Object>();
    engine_ = NativeEngine::Unwrap(engine_object);
    engine_ref_ = Napi::Persistent(engine_object);
    try {
      context_ = std::make_shared<Context>(engine_->engine());
    } catch (...) {
      rethrow_js(info.Env(), "creating the execution context");
    }
  }

 private:
  // Checks and converts the bindings; on success the context is acquired.
  void prepare(const Napi::CallbackInfo& info, std::vector<Binding>* in, std::vector<Binding>* out, Napi::Array* keep) {
    Napi::Env env = info.Env();
    engine_->check_weights(env);
    *in = bindings_from(env, info[0], "inputs", *keep);
    *out = bindings_from(env, info[1], "outputs", *keep);
    try {
      context_->check_bindings(*in, *out);
    } catch (...) {
      rethrow_js(env, "checking the bindings");
    }
    if (!context_->try_acquire()) {
      throw_js(env, KilnException("ERR_CONTEXT_BUSY", "This execution context is already running an inference.",
                                  "one run at a time per context", "a second run while the first is in flight",
                                  "context.run", "Await the previous run, or create one context per concurrent stream."));
    }
  }

  Napi::Value run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<Binding> in, out;
    Napi::Array keep = Napi::Array::New(env);
    prepare(info, &in, &out, &keep);
    auto job = std::make_unique<RunJob>(env);
    job->context = context_;
    job->pool = AddonState::get(env).pool();
    job->inputs = std::move(in);
    job->outputs = std::move(out);
    job->context_ref = Napi::Persistent(Value());
    job->views_ref = Napi::Persistent(static_cast<Napi::Object>(keep));
    return AddonState::get(env).runs(env).submit(env, std::move(job));
  }

  Napi::Value run_sync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<Binding> in, out;
    Napi::Array keep = Napi::Array::New(env);
    prepare(info, &in, &out, &keep);
    try {
      context_->run(in, out, AddonState::get(env).pool().get());
    } catch (...) {
      context_->release();
      rethrow_js(env, "running the engine");
    }
    context_->release();
    return env.Undefined();
  }

  Napi::Value busy(const Napi::CallbackInfo& info) {
    const bool free = context_->try_acquire();
    if (free) context_->release();
    return Napi::Boolean::New(info.Env(), !free);
  }

  Napi::Value set_profiling(const Napi::CallbackInfo& info) {
    context_->set_profiling(info[0].ToBoolean().Value());
    return info.Env().Undefined();
  }

  // Float64Array of per-layer milliseconds from the last profiled run, or undefined before one.
  Napi::Value last_profile(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!context_->try_acquire()) {
      throw_js(env, KilnException("ERR_CONTEXT_BUSY", "The profile cannot be read while a run is in flight.",
                                  "an idle context", "a run in flight", "context.lastProfile",
                                  "Await the run, then read lastProfile()."));
    }
    const std::vector<double> times = context_->last_profile();
    context_->release();
    if (times.empty() && !context_->engine().ops().empty()) return env.Undefined();
    Napi::Float64Array out = Napi::Float64Array::New(env, times.size());
    for (size_t i = 0; i < times.size(); ++i) out[i] = times[i];
    return out;
  }

  NativeEngine* engine_;
  Napi::ObjectReference engine_ref_;
  std::shared_ptr<Context> context_;
};

}  // namespace

Napi::Value js_create_engine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return AddonState::get(env).engine_constructor.New({info[0], info[1], info[2]});
}

Napi::Value js_kernels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<KernelInfo> list = list_kernels();
  Napi::Array out = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    Napi::Object item = Napi::Object::New(env);
    item.Set("name", list[i].name);
    item.Set("isa", list[i].isa);
    item.Set("runnable", list[i].runnable);
    item.Set("family", list[i].family);
    out.Set(static_cast<uint32_t>(i), item);
  }
  return out;
}

void init_executor_classes(Napi::Env env, Napi::Object exports) {
  AddonState& state = AddonState::get(env);
  state.engine_constructor = Napi::Persistent(NativeEngine::define(env));
  state.context_constructor = Napi::Persistent(NativeContext::define(env));
}

}  // namespace kiln

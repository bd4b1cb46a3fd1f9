#include "napi/pack_bindings.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "executor/pack_weights.h"
#include "napi/errors.h"
#include "platform/crc32c.h"

namespace kiln {

Napi::Value js_pack_weights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto argument = [&](const char* message, const char* expected, const char* where) {
    throw_js(env, KilnException("ERR_ARGUMENT", message, expected, "another value", where,
                                "Call packWeights(tactic: string, shape: number[], weights: Float32Array, options?: "
                                "{ weightScales?: Float32Array, inputScale?: number, inputZeroPoint?: number })."));
  };
  if (!info[0].IsString()) argument("tactic must be a string.", "a tactic id", "packWeights(tactic)");
  if (!info[1].IsArray()) argument("shape must be an array of numbers.", "number[]", "packWeights(shape)");
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    argument("weights must be a Float32Array.", "Float32Array", "packWeights(weights)");
  }
  Napi::Array array = info[1].As<Napi::Array>();
  std::vector<double> shape;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsNumber()) argument("shape must be an array of numbers.", "number[]", "packWeights(shape)");
    shape.push_back(v.As<Napi::Number>().DoubleValue());
  }
  Napi::Float32Array weights = info[2].As<Napi::Float32Array>();
  PackOptions options;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    if (!info[3].IsObject()) argument("options must be an object.", "{ weightScales?, inputScale?, inputZeroPoint? }", "packWeights(options)");
    Napi::Object object = info[3].As<Napi::Object>();
    Napi::Value scales = object.Get("weightScales");
    if (!scales.IsUndefined()) {
      if (!scales.IsTypedArray() || scales.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        argument("weightScales must be a Float32Array.", "Float32Array", "packWeights(options.weightScales)");
      }
      Napi::Float32Array array = scales.As<Napi::Float32Array>();
      options.weight_scales = array.Data();
      options.weight_scale_count = static_cast<int64_t>(array.ElementLength());
      if (options.weight_scale_count == 0) argument("weightScales must not be empty.", "1 or one per output channel", "packWeights(options.weightScales)");
    }
    Napi::Value scale = object.Get("inputScale"), zero_point = object.Get("inputZeroPoint");
    if (!scale.IsUndefined() || !zero_point.IsUndefined()) {
      if (!scale.IsNumber()) argument("inputScale must be a number.", "number > 0", "packWeights(options.inputScale)");
      if (!zero_point.IsUndefined() && !zero_point.IsNumber()) {
        argument("inputZeroPoint must be a number.", "integer in [0, 255]", "packWeights(options.inputZeroPoint)");
      }
      options.has_input_quantization = true;
      options.input_scale = scale.As<Napi::Number>().FloatValue();
      options.input_zero_point = zero_point.IsUndefined() ? 0.0 : zero_point.As<Napi::Number>().DoubleValue();
    }
  }
  try {
    AlignedBuffer packed = pack_weights(info[0].As<Napi::String>().Utf8Value(), shape, weights.Data(),
                                        static_cast<int64_t>(weights.ElementLength()), options);
    Napi::Float32Array out = Napi::Float32Array::New(env, packed.size() / sizeof(float));
    if (packed.size() > 0) std::memcpy(out.Data(), packed.data(), packed.size());
    return out;
  } catch (...) {
    rethrow_js(env, "packing the weights");
  }
}

Napi::Value js_aligned_bytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_js(env, KilnException("ERR_INVALID_ARGUMENT", "alignedBytes takes a Uint8Array.", "a Uint8Array",
                                "another value", "alignedBytes", "Pass the bytes to align, e.g. a plan's weights."));
  }
  Napi::Uint8Array view = info[0].As<Napi::Uint8Array>();
  const uint8_t* data = view.Data();
  const size_t bytes = view.ByteLength();
  if (reinterpret_cast<uintptr_t>(data) % 64 == 0) return view;
  void* copy = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  if (copy == nullptr) {
    throw_js(env, KilnException("ERR_OUT_OF_MEMORY", "Could not allocate aligned memory for the weights.",
                                std::to_string(bytes) + " bytes", "allocation failed", "alignedBytes",
                                "Free memory or load a smaller plan."));
  }
  if (bytes > 0) std::memcpy(copy, data, bytes);
  Napi::ArrayBuffer buffer =
      Napi::ArrayBuffer::New(env, copy, bytes, [](Napi::Env, void* memory) { std::free(memory); });
  return Napi::Uint8Array::New(env, bytes, buffer, 0);
}

Napi::Value js_checksum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_js(env, KilnException("ERR_INVALID_ARGUMENT", "checksum takes a Uint8Array.", "a Uint8Array",
                                "another value", "checksum", "Pass the bytes to check, e.g. a plan."));
  }
  Napi::Uint8Array view = info[0].As<Napi::Uint8Array>();
  return Napi::Number::New(env, crc32c(view.Data(), view.ByteLength()));
}

}  // namespace kiln

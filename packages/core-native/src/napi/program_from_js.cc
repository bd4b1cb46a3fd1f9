#include "napi/program_from_js.h"

#include <cmath>
#include <limits>

#include "executor/error.h"

namespace kiln {
namespace {

std::string type_of(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsArray()) return "array";
  if (v.IsNumber()) return "number " + std::to_string(v.As<Napi::Number>().DoubleValue());
  if (v.IsString()) return "string \"" + v.As<Napi::String>().Utf8Value() + "\"";
  return v.IsObject() ? "object" : "other";
}

Napi::Object object_at(const Napi::Value& v, const std::string& where) {
  check_program(v.IsObject() && !v.IsArray(), where, "Expected an object.", "object", type_of(v));
  return v.As<Napi::Object>();
}

Napi::Array array_at(const Napi::Value& v, const std::string& where) {
  check_program(v.IsArray(), where, "Expected an array.", "array", type_of(v));
  return v.As<Napi::Array>();
}

int64_t integer_at(const Napi::Value& v, const std::string& where) {
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : std::nan("");
  check_program(std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0, where,
                "Expected an integer.", "integer", type_of(v));
  return static_cast<int64_t>(d);
}

std::string string_at(const Napi::Value& v, const std::string& where) {
  check_program(v.IsString(), where, "Expected a string.", "string", type_of(v));
  return v.As<Napi::String>().Utf8Value();
}

std::vector<int> index_list(const Napi::Value& v, const std::string& where) {
  Napi::Array a = array_at(v, where);
  std::vector<int> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const int64_t x = integer_at(a.Get(i), where + "[" + std::to_string(i) + "]");
    check_program(x >= 0 && x < (int64_t{1} << 30), where, "Tensor index out of range.", ">= 0", std::to_string(x));
    out[i] = static_cast<int>(x);
  }
  return out;
}

double optional_number(const Napi::Object& o, const char* key, const std::string& where) {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return std::nan("");
  check_program(v.IsNumber(), where + "." + key, "Expected a number.", "number", type_of(v));
  return v.As<Napi::Number>().DoubleValue();
}

TensorDesc tensor_from_js(const Napi::Value& v, const std::string& where) {
  Napi::Object o = object_at(v, where);
  TensorDesc t;
  const std::string dtype = string_at(o.Get("dtype"), where + ".dtype");
  check_program(parse_dtype(dtype, &t.dtype), where + ".dtype", "Unknown dtype.", "float32, int64, int32, bool, uint8 or bfloat16",
                dtype);
  Napi::Array shape = array_at(o.Get("shape"), where + ".shape");
  for (uint32_t i = 0; i < shape.Length(); ++i) {
    t.shape.push_back(integer_at(shape.Get(i), where + ".shape[" + std::to_string(i) + "]"));
  }
  const std::string location = string_at(o.Get("location"), where + ".location");
  if (location == "arena") t.location = Location::kArena;
  else if (location == "weights") t.location = Location::kWeights;
  else if (location == "input") t.location = Location::kInput;
  else if (location == "output") t.location = Location::kOutput;
  else check_program(false, where + ".location", "Unknown location.", "arena, weights, input or output", location);
  if (t.location == Location::kArena || t.location == Location::kWeights) {
    t.offset = integer_at(o.Get("offset"), where + ".offset");
  } else {
    t.slot = static_cast<int>(std::max<int64_t>(-1, std::min<int64_t>(integer_at(o.Get("slot"), where + ".slot"), 1 << 20)));
  }
  const Napi::Value stride = o.Get("rowStride");
  if (!stride.IsUndefined()) t.row_stride = integer_at(stride, where + ".rowStride");
  return t;
}

LayerDesc layer_from_js(const Napi::Value& v, const std::string& where) {
  Napi::Object o = object_at(v, where);
  LayerDesc layer;
  layer.kernel = string_at(o.Get("kernel"), where + ".kernel");
  layer.inputs = index_list(o.Get("inputs"), where + ".inputs");
  layer.outputs = index_list(o.Get("outputs"), where + ".outputs");
  const Napi::Value params = o.Get("params");
  if (!params.IsUndefined()) {
    Napi::Array a = array_at(params, where + ".params");
    for (uint32_t i = 0; i < a.Length(); ++i) {
      const Napi::Value x = a.Get(i);
      check_program(x.IsNumber(), where + ".params[" + std::to_string(i) + "]", "Expected a number.", "number",
                    type_of(x));
      layer.params.push_back(x.As<Napi::Number>().DoubleValue());
    }
  }
  const Napi::Value epilogue = o.Get("epilogue");
  if (!epilogue.IsUndefined()) {
    Napi::Array a = array_at(epilogue, where + ".epilogue");
    for (uint32_t i = 0; i < a.Length(); ++i) {
      const std::string w = where + ".epilogue[" + std::to_string(i) + "]";
      Napi::Object step = object_at(a.Get(i), w);
      const std::string name = string_at(step.Get("op"), w + ".op");
      UnaryOp op;
      check_program(parse_unary_op(name, &op), w + ".op", "Unknown unary op.",
                    "Relu, Clip, LeakyRelu, Sigmoid, Tanh, SiLU, HardSwish, HardSigmoid, Gelu, GeluTanh, Exp, Log, "
                    "Sqrt, Erf, Neg, Abs or Reciprocal",
                    name);
      layer.epilogue.push_back(
          unary_step_with_defaults(op, optional_number(step, "alpha", w), optional_number(step, "beta", w)));
    }
  }
  return layer;
}

}  // namespace

Program program_from_js(const Napi::Value& value) {
  Napi::Object o = object_at(value, "program");
  Program p;
  p.arena_bytes = integer_at(o.Get("arenaBytes"), "arenaBytes");
  Napi::Array tensors = array_at(o.Get("tensors"), "tensors");
  for (uint32_t i = 0; i < tensors.Length(); ++i) {
    p.tensors.push_back(tensor_from_js(tensors.Get(i), "tensors[" + std::to_string(i) + "]"));
  }
  Napi::Array layers = array_at(o.Get("layers"), "layers");
  for (uint32_t i = 0; i < layers.Length(); ++i) {
    p.layers.push_back(layer_from_js(layers.Get(i), "layers[" + std::to_string(i) + "]"));
  }
  return p;
}

}  // namespace kiln

#include "napi/errors.h"

namespace kiln {

Napi::Error to_js_error(Napi::Env env, const KilnException& error) {
  Napi::Error js = Napi::Error::New(env, error.what());
  Napi::Object object = js.Value();
  object.Set("code", error.code);
  if (!error.expected.empty()) object.Set("expected", error.expected);
  if (!error.found.empty()) object.Set("found", error.found);
  if (!error.where.empty()) object.Set("where", error.where);
  if (!error.hint.empty()) object.Set("hint", error.hint);
  object.Set("kilnNative", true);
  return js;
}

void throw_js(Napi::Env env, const KilnException& error) { throw to_js_error(env, error); }

void rethrow_js(Napi::Env env, const std::string& during) {
  try {
    throw;
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw_js(env, current_failure(during));
  }
}

}  // namespace kiln

// JS binding of packWeights(tactic, shape, weights) -> Float32Array.
#pragma once

#include <napi.h>

namespace kiln {

Napi::Value js_pack_weights(const Napi::CallbackInfo& info);

}  // namespace kiln

// JS bindings of packWeights(tactic, shape, weights) -> Float32Array and
// alignedBytes(view) -> Uint8Array (the same view when 64-byte aligned, else an aligned copy) and
// checksum(view) -> CRC-32C as an unsigned number.
#pragma once

#include <napi.h>

namespace kiln {

Napi::Value js_pack_weights(const Napi::CallbackInfo& info);
Napi::Value js_aligned_bytes(const Napi::CallbackInfo& info);
Napi::Value js_checksum(const Napi::CallbackInfo& info);

}  // namespace kiln

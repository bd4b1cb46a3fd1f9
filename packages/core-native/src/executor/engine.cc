#include "executor/engine.h"

#include <chrono>

#include "executor/error.h"
#include "executor/kernel_registry.h"

namespace kiln {

Engine::Engine(Program program, const uint8_t* weights, int64_t weights_bytes, bool copy_weights)
    : program_(std::move(program)), weights_(weights), weights_bytes_(weights_bytes) {
  validate_program(program_, weights_bytes);
  if (weights_bytes > 0 && (copy_weights || !is_aligned(weights))) {
    owned_weights_ = AlignedBuffer(static_cast<size_t>(weights_bytes), false);
    std::memcpy(owned_weights_.data(), weights, static_cast<size_t>(weights_bytes));
    weights_ = owned_weights_.data();
  }
  ops_.reserve(program_.layers.size());
  for (size_t i = 0; i < program_.layers.size(); ++i) {
    std::string tactic;
    ops_.push_back(build_op(program_, static_cast<int>(i), &tactic));
    tactics_.push_back(std::move(tactic));
  }
}

Context::Context(std::shared_ptr<const Engine> engine)
    : engine_(std::move(engine)),
      arena_(static_cast<size_t>(engine_->program().arena_bytes)),
      pointers_(engine_->program().tensors.size(), nullptr) {
  const Program& p = engine_->program();
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    const TensorDesc& t = p.tensors[i];
    if (t.location == Location::kArena) pointers_[i] = arena_.data() + t.offset;
    if (t.location == Location::kWeights) pointers_[i] = const_cast<uint8_t*>(engine_->weights()) + t.offset;
  }
}

void Context::check_bindings(const std::vector<Binding>& inputs, const std::vector<Binding>& outputs) const {
  const Program& p = engine_->program();
  const char* kinds[2] = {"inputs", "outputs"};
  const std::vector<Binding>* given[2] = {&inputs, &outputs};
  const std::vector<int>* slots[2] = {&p.input_tensors, &p.output_tensors};
  for (int k = 0; k < 2; ++k) {
    if (given[k]->size() != slots[k]->size()) {
      throw KilnException("ERR_BINDING_INVALID", std::string("Wrong number of ") + kinds[k] + ".",
                          std::to_string(slots[k]->size()), std::to_string(given[k]->size()), kinds[k],
                          std::string("Pass one typed array per ") + (k ? "output" : "input") + " slot.");
    }
    for (size_t s = 0; s < given[k]->size(); ++s) {
      const Binding& b = (*given[k])[s];
      const TensorDesc& t = p.tensors[(*slots[k])[s]];
      const std::string where = std::string(kinds[k]) + "[" + std::to_string(s) + "]";
      if (b.dtype != t.dtype) {
        throw KilnException("ERR_BINDING_INVALID", "Binding has the wrong element type.",
                            std::string(dtype_name(t.dtype)) + " " + shape_string(t.shape), dtype_name(b.dtype), where,
                            "Pass a Float32Array for float32, BigInt64Array for int64, Int32Array for int32, "
                            "Uint8Array for bool.");
      }
      if (b.bytes != t.bytes) {
        throw KilnException("ERR_BINDING_INVALID", "Binding has the wrong byte length.",
                            std::to_string(t.bytes) + " bytes (" + dtype_name(t.dtype) + " " + shape_string(t.shape) +
                                ")",
                            std::to_string(b.bytes) + " bytes", where,
                            "Allocate the binding with the tensor's element count.");
      }
    }
  }
}

void Context::run(const std::vector<Binding>& inputs, const std::vector<Binding>& outputs, ThreadPool* pool) {
  const Program& p = engine_->program();
  for (size_t s = 0; s < inputs.size(); ++s) pointers_[p.input_tensors[s]] = inputs[s].data;
  for (size_t s = 0; s < outputs.size(); ++s) pointers_[p.output_tensors[s]] = outputs[s].data;
  const RunState state{pointers_.data(), pool};
  const auto& ops = engine_->ops();
  if (!profiling()) {
    for (const auto& op : ops) op->run(state);
    return;
  }
  std::vector<double> times(ops.size(), 0.0);
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    ops[i]->run(state);
    times[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  profile_ = std::move(times);
}

}  // namespace kiln

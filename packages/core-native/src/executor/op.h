// One executable layer: built once at engine creation by its kernel family's factory (which
// checks shapes/params and picks the microkernel variant), run once per inference.
#pragma once

#include <memory>
#include <string>

#include "executor/program.h"
#include "platform/cpu.h"
#include "runtime/thread_pool.h"

namespace kiln {

struct RunState {
  void* const* tensors;  // tensor index -> data pointer for this run
  ThreadPool* pool;
  template <class T>
  T* at(int tensor) const {
    return static_cast<T*>(tensors[tensor]);
  }
};

class Op {
 public:
  virtual ~Op() = default;
  // Runs on the job's thread. May throw KilnException for data-dependent failures (e.g. a
  // Gather index out of range); the job then rejects with that error.
  virtual void run(const RunState& state) const = 0;
};

struct OpBuildArgs {
  const Program& program;
  const LayerDesc& layer;
  std::string where;  // "layers[3] (f32_softmax__avx512)" for error messages
  std::string base;   // kernel name without the ISA suffix
  Isa isa;            // the ISA level this layer's variant was chosen at
  // Resolved tactic id reported by describe(); preset to "<base>__<isa>". Multi-variant families
  // (f32_conv, f32_gemm) overwrite it with the exact variant they picked.
  std::string* tactic = nullptr;
  const TensorDesc& in(size_t i) const { return program.tensors[layer.inputs[i]]; }
  const TensorDesc& out(size_t i) const { return program.tensors[layer.outputs[i]]; }
};

using OpFactory = std::unique_ptr<Op> (*)(const OpBuildArgs& args);

}  // namespace kiln

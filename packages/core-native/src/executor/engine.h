// Engine: a validated program with one built Op per layer and the read-only weights.
// Context: one activation arena + the busy flag; runs the program for one set of bindings.
// Plain C++; the N-API wrappers are in napi/executor_bindings.cc.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "executor/op.h"
#include "executor/program.h"
#include "platform/aligned.h"

namespace kiln {

class Engine {
 public:
  // `weights` must stay valid for the Engine's life unless it is copied (copy_weights or when it
  // is not 64-byte aligned). Throws KilnException on any invalid program.
  Engine(Program program, const uint8_t* weights, int64_t weights_bytes, bool copy_weights);

  const Program& program() const { return program_; }
  const std::vector<std::unique_ptr<Op>>& ops() const { return ops_; }
  const std::vector<std::string>& tactics() const { return tactics_; }  // resolved id per layer
  const uint8_t* weights() const { return weights_; }
  int64_t weights_bytes() const { return weights_bytes_; }
  bool weights_copied() const { return owned_weights_.size() > 0; }

 private:
  Program program_;
  AlignedBuffer owned_weights_;
  const uint8_t* weights_;
  int64_t weights_bytes_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<std::string> tactics_;
};

struct Binding {
  void* data;
  int64_t bytes;
  DType dtype;
};

class Context {
 public:
  explicit Context(std::shared_ptr<const Engine> engine);

  // Marks the context busy; false when it already is (a job is using it).
  bool try_acquire() { return !busy_.exchange(true, std::memory_order_acq_rel); }
  void release() { busy_.store(false, std::memory_order_release); }

  // Throws ERR_BINDING_INVALID naming the slot when counts, dtypes or byte lengths differ.
  void check_bindings(const std::vector<Binding>& inputs, const std::vector<Binding>& outputs) const;

  // Runs every layer. Call only while acquired; no N-API use (safe on a run thread).
  void run(const std::vector<Binding>& inputs, const std::vector<Binding>& outputs, ThreadPool* pool);

  const Engine& engine() const { return *engine_; }

  // Per-layer timing: when on, run() records each layer's wall time (ms); off costs one branch per run.
  void set_profiling(bool on) { profiling_.store(on, std::memory_order_relaxed); }
  bool profiling() const { return profiling_.load(std::memory_order_relaxed); }
  // Milliseconds per layer of the last run made with profiling on (empty before one). Read only
  // while the context is not running (the caller holds it or checked it is idle).
  const std::vector<double>& last_profile() const { return profile_; }

 private:
  std::shared_ptr<const Engine> engine_;
  AlignedBuffer arena_;
  std::vector<void*> pointers_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> profiling_{false};
  std::vector<double> profile_;
};

}  // namespace kiln

// Per-environment addon state (napi instance data): one per main thread / worker_thread that
// loads the addon, deleted by Node when that environment is torn down. No mutable globals.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>

#include "runtime/thread_pool.h"
#include "workers/run_queue.h"

namespace kiln {

class AddonState {
 public:
  AddonState();
  static AddonState& get(Napi::Env env);

  // The pool jobs of this environment run on. Jobs hold the shared_ptr, so resizing while a job
  // runs is safe: the old pool lives until its last job ends.
  std::shared_ptr<ThreadPool> pool();
  void set_threads(int threads);
  int threads();

  // Where run() jobs go (JS thread only; created on first use).
  RunQueue& runs(Napi::Env env);

  Napi::FunctionReference engine_constructor;
  Napi::FunctionReference context_constructor;

 private:
  std::mutex mutex_;
  std::shared_ptr<ThreadPool> pool_;
  int threads_;
  std::unique_ptr<RunQueue> runs_;
};

}  // namespace kiln

// Runs inferences off the JavaScript thread on Kiln's own run threads and settles their Promises
// back on it (one queue per JS environment, owned by AddonState).
//
// Why not libuv's thread pool: an `await context.run()` hands the job to a sleeping thread and
// the result back to a sleeping event loop. A thread woken on an idle core waits for that core to
// wake (measured on the benchmark VM: 70-110 us in each direction, so 0.15-0.2 ms per run), while
// the caller's own core is about to idle anyway, since the caller awaits. So before waking a run
// thread the queue places it on the caller's core, and leaves it there for the caller's next run
// from that core: setting a thread's affinity is a system call that migrates it (a relu model at
// one intra-op thread: 25-31 us per `run()` when the thread widened its affinity as it started
// and was placed again for each run, 14-16 us placed once; `runSync()` 4 us). At most one run
// thread is restricted at a time; a job submitted from another core, while another runs, or after
// a late settle (below) widens it back first. The way back mirrors it: the finished job pins the
// JS thread to the core the job ended on before waking it, and settle() restores its cores.
// Otherwise the OS wakes the JS thread on the other core, idle while the run thread finishes (at
// one intra-op thread: measured 55-90 us from the job's end to its settle against 18-33 us pinned,
// and the next job then starts on the caches the last one did not use). Both wake-ups then cost
// a context switch. When the intra-op pool has a thread on every core, its helpers still spin on
// the other cores as the job ends, so the JS thread wakes on its own core unpinned.
//
// When the caller keeps its core busy after run() (JavaScript that does not await), a job placed
// there would share the core with it instead of taking an idle one. The queue sees that case as a
// late settle (the event loop picked the result up long after the job ended) and stops placing
// jobs until a settle is prompt again. The job that showed it ran on the caller's core throughout
// (a placed thread no longer widens as it starts).
//
// Runs of different contexts may be in flight at once: each takes an idle run thread (up to
// kMaxThreads, created on demand); further jobs wait in FIFO order. Their layers share the one
// intra-op ThreadPool as before. Only a job submitted while none is in flight is placed: the
// caller's core is then about to idle, while a second job pinned there would wait for the first
// instead of taking an idle core (two 1-thread contexts on two cores: 1.00-1.09x the throughput
// of one after the other when both were placed, 1.44-1.77x now).
#pragma once

#include <napi.h>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "executor/engine.h"
#include "executor/error.h"
#include "platform/affinity.h"
#include "runtime/thread_pool.h"

namespace kiln {

// One inference: the native part is used on a run thread, the JS part only on the JS thread.
struct RunJob {
  explicit RunJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  void execute();  // run thread: every layer, no N-API
  // Teardown, on any thread: frees the context for another run and leaves the JS handles to the
  // dying environment (which frees them) instead of deleting them here.
  void drop();

  std::shared_ptr<Context> context;
  std::shared_ptr<ThreadPool> pool;
  std::vector<Binding> inputs, outputs;
  bool failed = false;
  KilnException failure{"", ""};
  std::chrono::steady_clock::time_point ended;
  bool follow = false;  // placed on the caller's core: hand_back() pins the caller where the job ended

  Napi::Promise::Deferred deferred;
  Napi::ObjectReference context_ref;  // the JS context (and through it the engine) stays alive
  Napi::ObjectReference views_ref;    // every bound typed array stays alive
};

class RunQueue {
 public:
  explicit RunQueue(Napi::Env env);
  ~RunQueue();
  RunQueue(const RunQueue&) = delete;
  RunQueue& operator=(const RunQueue&) = delete;

  // Starts the job on a run thread and returns its Promise, settled on the JS thread. JS thread only.
  Napi::Promise submit(Napi::Env env, std::unique_ptr<RunJob> job);

 private:
  struct Worker;
  static constexpr size_t kMaxThreads = 4;

  bool place(Worker* worker, int core);
  void unpin();
  void loop(Worker* worker);
  void hand_back(RunJob* job);
  void shutdown();
  static void settle(napi_env env, napi_value js_callback, void* self, void* data);
  static void on_env_cleanup(void* self);

  napi_env env_;
  CoreMask allowed_;                            // the JS thread's cores: a run thread widens back to these
  long js_thread_;                              // the JS thread's kernel id (0 where unsupported)
  napi_threadsafe_function settler_ = nullptr;  // hands finished jobs to the JS thread
  int in_flight_ = 0;                           // JS thread only: the settler is ref'ed while > 0
  bool place_ = true;                           // JS thread only: place the next job on the caller's core
  bool stopped_ = false;                        // JS thread only

  std::mutex mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_;
  Worker* pinned_ = nullptr;  // the run thread restricted to pinned_core_, if any
  int pinned_core_ = -1;
  std::deque<RunJob*> waiting_;
  bool stop_ = false;
};

}  // namespace kiln

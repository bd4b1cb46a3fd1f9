#include "workers/run_queue.h"

#include <condition_variable>
#include <system_error>
#include <thread>

#include "napi/errors.h"

namespace kiln {
namespace {

// A settle this long after its job ended means the JS thread was busy, not waiting (an idle
// event loop wakes in well under this even from an idle core of the VM: 70-110 us).
constexpr auto kBusyCallerSettle = std::chrono::microseconds(500);

}  // namespace

struct RunQueue::Worker {
  std::thread thread;
  std::condition_variable wake;
  RunJob* job = nullptr;   // guarded by the queue's mutex_
  long thread_id = 0;      // guarded by mutex_; 0 until the thread has started
};

void RunJob::execute() {
  try {
    context->run(inputs, outputs, pool.get());
  } catch (...) {
    failed = true;
    failure = current_failure("running the engine");
  }
  ended = std::chrono::steady_clock::now();
}

void RunJob::drop() {
  context->release();
  context_ref.SuppressDestruct();
  views_ref.SuppressDestruct();
}

RunQueue::RunQueue(Napi::Env env) : env_(env), allowed_(CoreMask::of_this_thread()), js_thread_(this_thread_id()) {
  napi_value name;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_string_utf8(env, "kiln.run", NAPI_AUTO_LENGTH, &name));
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr,
                                                                 this, &RunQueue::settle, &settler_));
  // Unref'ed while no run is in flight, so an idle queue never keeps the process alive.
  napi_unref_threadsafe_function(env, settler_);
  // Registered after the settler, so it runs before the settler's own teardown.
  napi_add_env_cleanup_hook(env, &RunQueue::on_env_cleanup, this);
}

RunQueue::~RunQueue() {
  if (!stopped_) {
    napi_remove_env_cleanup_hook(env_, &RunQueue::on_env_cleanup, this);
    shutdown();
  }
}

void RunQueue::on_env_cleanup(void* self) { static_cast<RunQueue*>(self)->shutdown(); }

// Environment teardown: waits for jobs in flight (their memory is still alive: the JS part holds
// it), drops jobs not started, then aborts the settler, which hands every job not yet settled to
// settle() without an environment.
void RunQueue::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  for (auto& worker : workers_) worker->wake.notify_one();
  for (auto& worker : workers_) worker->thread.join();
  for (RunJob* job : waiting_) settle(nullptr, nullptr, this, job);
  waiting_.clear();
  napi_release_threadsafe_function(settler_, napi_tsfn_abort);
  allowed_.apply_to_this_thread();  // a job handed back but never settled may have pinned this thread
}

// Under mutex_. At most one run thread is restricted to a core at a time: the one placed last,
// left there while the caller keeps submitting from that core (no system call then; one when the
// caller moved to another core).
bool RunQueue::place(Worker* worker, int core) {
  if (!allowed_.contains(core)) {
    // Not placing: only this thread widens (another one pinned may be running the job in flight).
    if (pinned_ == worker) unpin();
    return false;
  }
  if (pinned_ == worker && pinned_core_ == core) return true;
  if (pinned_ != nullptr && pinned_ != worker) unpin();
  if (pin_thread(worker->thread_id, core)) {
    pinned_ = worker;
    pinned_core_ = core;
    return true;
  }
  if (pinned_ == worker) unpin();  // still on its old core
  return false;
}

// Under mutex_: the pinned run thread may run on any of the JS thread's cores again.
void RunQueue::unpin() {
  allowed_.apply_to_thread(pinned_->thread_id);
  pinned_ = nullptr;
}

Napi::Promise RunQueue::submit(Napi::Env env, std::unique_ptr<RunJob> job) {
  Napi::Promise promise = job->deferred.Promise();
  Worker* woken = nullptr;
  std::unique_ptr<Worker> created;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      woken = idle_.back();  // the most recently used thread: its stack and caches are warmest
      idle_.pop_back();
      woken->job = job.get();
      // Not while another job is in flight: that one has the caller's core (see the header).
      const int core = place_ && in_flight_ == 0 ? this_core() : -1;
      const bool placed = place(woken, core);
      // With an intra-op thread on every core, the helpers spin on the other cores as the job
      // ends and the JS thread wakes where it slept anyway: no pinning needed (two system calls).
      job->follow = placed && (job->pool == nullptr || job->pool->size() < allowed_.count());
    } else if (workers_.size() < kMaxThreads) {
      created = std::make_unique<Worker>();
      created->job = job.get();
    } else {
      waiting_.push_back(job.get());
    }
  }
  if (created) {
    Worker* worker = created.get();
    try {
      worker->thread = std::thread([this, worker] { loop(worker); });
    } catch (const std::system_error& e) {  // nothing was handed over yet
      job->context->release();
      throw_js(env, KilnException("ERR_OUT_OF_RESOURCES", std::string("Could not start a run thread: ") + e.what(),
                                  "a new thread", "the OS refused it", "context.run",
                                  "Lower the number of contexts running at once, or use runSync()."));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    workers_.push_back(std::move(created));
  }
  job.release();  // owned by the queue until settle()
  if (in_flight_++ == 0) napi_ref_threadsafe_function(env, settler_);
  if (woken) woken->wake.notify_one();  // after unlocking: the thread does not wake into a held mutex
  return promise;
}

void RunQueue::loop(Worker* worker) {
  std::unique_lock<std::mutex> lock(mutex_);
  worker->thread_id = this_thread_id();
  for (;;) {
    worker->wake.wait(lock, [&] { return worker->job != nullptr || stop_; });
    if (worker->job == nullptr) return;
    RunJob* job = worker->job;
    worker->job = nullptr;
    lock.unlock();
    job->execute();
    lock.lock();
    // Idle (or on its next job) before the JS thread hears of this one. Woken on this core, the JS
    // thread preempts this one, settles and submits the next run at once: that run must find this
    // thread, still placed here, rather than wake the other one and move the pin (two system calls
    // and a migration per run; seen with perf sched on mobilenet_v2 at one intra-op thread).
    if (!waiting_.empty() && !stop_) {
      worker->job = waiting_.front();  // submitted while others ran: not placed
      waiting_.pop_front();
      if (pinned_ == worker) place(worker, -1);
    } else {
      idle_.push_back(worker);
    }
    lock.unlock();
    hand_back(job);
    lock.lock();
  }
}

void RunQueue::hand_back(RunJob* job) {
  // The JS thread sleeps in the event loop while the job runs. Woken from here, the OS would start
  // it on the other, idle core (this one is still busy with this thread): a wake-up across cores,
  // and the next job placed on that core with cold caches. Restricted to this core, it runs as
  // soon as this thread sleeps; settle() widens it back.
  if (job->follow) pin_thread(js_thread_, this_core());
  // Fails only once the environment is being torn down (napi_closing): the job is then dropped
  // as in shutdown(), never touching JS from this thread.
  if (napi_call_threadsafe_function(settler_, job, napi_tsfn_nonblocking) != napi_ok) {
    job->drop();
    delete job;
  }
}

// JS thread. Without an environment (teardown) the job is dropped.
void RunQueue::settle(napi_env env, napi_value /*js_callback*/, void* self, void* data) {
  auto* queue = static_cast<RunQueue*>(self);
  std::unique_ptr<RunJob> job(static_cast<RunJob*>(data));
  if (env == nullptr) {
    job->drop();
    return;
  }
  job->context->release();
  if (job->follow) queue->allowed_.apply_to_this_thread();
  queue->place_ = std::chrono::steady_clock::now() - job->ended < kBusyCallerSettle;
  if (--queue->in_flight_ == 0) napi_unref_threadsafe_function(env, queue->settler_);
  // Settling fails only while the environment is being torn down: nobody is left to notify.
  try {
    Napi::Env js(env);
    Napi::HandleScope scope(js);
    if (job->failed) {
      job->deferred.Reject(to_js_error(js, job->failure).Value());
    } else {
      job->deferred.Resolve(js.Undefined());
    }
  } catch (...) {
  }
}

}  // namespace kiln

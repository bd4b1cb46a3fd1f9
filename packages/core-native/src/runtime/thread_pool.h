// A persistent fork-join thread pool for intra-op parallelism.
//
// Threads are created once and park between jobs (spin briefly, then block on a condition
// variable). parallel_for hands out task indices through one atomic counter; the calling thread
// takes part, so a pool of size N uses N-1 helper threads. Jobs on one pool serialize: a second
// caller waits for the first job's parallel_for to end instead of oversubscribing the cores (see
// README "Thread pool policy").
//
// The join waits only for helpers that are running a task, never for helpers that have not woken
// yet: when the OS keeps a helper off its core (another process spinning there, a busy machine),
// the caller takes all the tasks and the layer runs at one-thread speed instead of stalling until
// the helper is scheduled. A helper that wakes after the caller closed the job does nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln {

class ThreadPool {
 public:
  // threads >= 1 (values below 1 are treated as 1): total participants including the caller.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }

  // Runs fn(task) for task in [0, tasks), spread over the pool's threads AND the calling thread;
  // returns when all are done. Runs inline on the caller when tasks == 1 or size() == 1.
  // Not re-entrant: a task must not call parallel_for on the same pool.
  // If fn throws, the first exception is rethrown on the caller after all tasks have stopped.
  void parallel_for(int64_t tasks, const std::function<void(int64_t task)>& fn);

  // Cores available to this process (sched_getaffinity on Linux, else hardware_concurrency).
  static int available_cores();

 private:
  void worker_loop(int index);
  void run_tasks();

  int size_;
  std::vector<std::thread> threads_;

  std::mutex caller_mutex_;  // serializes jobs from different callers

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_cv_;
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;

  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<bool> closed_{true};  // no helper may join the current job any more
  std::atomic<int> working_{0};     // helpers that joined the current job and have not left it
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::mutex error_mutex_;
};

}  // namespace kiln

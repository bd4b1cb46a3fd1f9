// A persistent fork-join thread pool for intra-op parallelism.
//
// Threads are created once; the calling thread takes part, so a pool of size N uses N-1 helper
// threads. Jobs on one pool serialize: a second caller waits for the first job's parallel_for to
// end instead of oversubscribing the cores (see README "Thread pool policy").
//
// Task indices are split into N contiguous home ranges, one per participant (the caller is
// participant 0): each takes tasks from the front of its own range, then steals from the back of
// the others'. Kernels number their tasks along the data (GEMM row blocks, output rows), so in
// consecutive layers a thread mostly reads what it wrote itself: on small, memory-bound layers the
// cache lines that would otherwise move between cores cost more than the arithmetic. Stealing
// keeps the balance when a thread is slow or has not woken yet.
//
// Between jobs a helper spins briefly (about 50 us, which covers the gap between two layers), then
// parks on a condition variable; a job wakes parked helpers only when there are some (no lock or
// system call per layer otherwise). Helpers do not spin through a whole inference: on a busy
// machine a helper that spins holds a core the caller needs, and a helper preempted inside a task
// stalls the layer's join (measured: 2-3x slower mobilenet_v2 at 2 threads under load).
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
  void worker_loop(int participant);
  void run_tasks(int participant);
  void run_range(int64_t begin, int64_t end);
  void wake_sleepers();

  int size_;
  std::vector<std::thread> threads_;

  std::mutex caller_mutex_;  // serializes jobs from different callers

  std::mutex mutex_;  // guards parking: helpers wait on wake_, the caller on done_cv_
  std::condition_variable wake_;
  std::condition_variable done_cv_;
  std::atomic<uint64_t> generation_{0};  // bumped once per job (and on stop)
  std::atomic<bool> stop_{false};
  std::atomic<int> sleeping_{0};  // helpers parked (or about to park) on wake_

  const std::function<void(int64_t)>* fn_ = nullptr;
  // One home range per participant, [front, back) packed as two 32-bit halves of one word so an
  // owner (front) and a thief (back) claim with one compare-and-swap; each on its own cache line.
  struct alignas(64) Range {
    std::atomic<uint64_t> bounds{0};
  };
  std::vector<Range> ranges_;
  alignas(64) std::atomic<bool> closed_{true};  // no helper may join the current job any more
  std::atomic<int> working_{0};                 // helpers that joined the current job and have not left it
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::mutex error_mutex_;
};

}  // namespace kiln

#include "runtime/thread_pool.h"

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(KILN_X86)
#include <immintrin.h>
#endif

namespace kiln {
namespace {

// ~a few microseconds of spinning before parking: long enough to catch back-to-back layers,
// short enough not to burn a shared core.
constexpr int kSpinIterations = 4000;

inline void cpu_relax() {
#if defined(KILN_X86)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

}  // namespace

int ThreadPool::available_cores() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
#endif
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

ThreadPool::ThreadPool(int threads) : size_(threads < 1 ? 1 : threads) {
  threads_.reserve(size_ - 1);
  for (int i = 1; i < size_; ++i) threads_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void ThreadPool::run_tasks() {
  const auto& fn = *fn_;
  for (;;) {
    const int64_t task = next_.fetch_add(1, std::memory_order_relaxed);
    if (task >= tasks_ || failed_.load(std::memory_order_relaxed)) return;
    try {
      fn(task);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
}

void ThreadPool::worker_loop(int /*index*/) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t current = generation_.load(std::memory_order_acquire);
    for (int spin = 0; current == seen && spin < kSpinIterations; ++spin) {
      cpu_relax();
      current = generation_.load(std::memory_order_acquire);
    }
    if (current == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      current = generation_.load(std::memory_order_acquire);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
    }
    seen = current;
    // Join only a job that is still open (sequentially consistent with the caller's
    // closed_ store and working_ load: either it waits for us, or we see the job closed).
    working_.fetch_add(1, std::memory_order_seq_cst);
    if (!closed_.load(std::memory_order_seq_cst)) run_tasks();
    if (working_.fetch_sub(1, std::memory_order_seq_cst) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_cv_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn) {
  if (tasks <= 0) return;
  if (tasks == 1 || size_ == 1) {
    for (int64_t task = 0; task < tasks; ++task) fn(task);
    return;
  }
  std::lock_guard<std::mutex> caller(caller_mutex_);
  fn_ = &fn;
  tasks_ = tasks;
  next_.store(0, std::memory_order_relaxed);
  failed_.store(false, std::memory_order_relaxed);
  error_ = nullptr;
  closed_.store(false, std::memory_order_seq_cst);  // publishes the job's fields to joiners
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_tasks();
  // Every task is claimed: close the job, then wait only for helpers still inside it.
  closed_.store(true, std::memory_order_seq_cst);
  for (int spin = 0; working_.load(std::memory_order_seq_cst) != 0 && spin < kSpinIterations; ++spin) cpu_relax();
  if (working_.load(std::memory_order_seq_cst) != 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [&] { return working_.load(std::memory_order_seq_cst) == 0; });
  }
  fn_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

}  // namespace kiln

#include "runtime/thread_pool.h"

#include <algorithm>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(KILN_X86)
#include <immintrin.h>
#endif

namespace kiln {
namespace {

// Spinning before parking: about 50 microseconds (a pause is about 11 ns
// on the benchmark machine), long enough to catch back-to-back jobs, short enough not to burn a
// shared core between inferences.
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

ThreadPool::ThreadPool(int threads) : size_(threads < 1 ? 1 : threads), ranges_(static_cast<size_t>(size_)) {
  threads_.reserve(size_ - 1);
  for (int i = 1; i < size_; ++i) threads_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_seq_cst);
  generation_.fetch_add(1, std::memory_order_seq_cst);
  wake_sleepers();
  for (auto& thread : threads_) thread.join();
}

// A helper announces itself in sleeping_ before it re-checks its wake condition under mutex_;
// whoever changes that condition does so before reading sleeping_ (both sequentially consistent),
// so either the helper sees the change or the waker sees the helper and notifies under the mutex.
void ThreadPool::wake_sleepers() {
  if (sleeping_.load(std::memory_order_seq_cst) == 0) return;
  { std::lock_guard<std::mutex> lock(mutex_); }
  wake_.notify_all();
}

namespace {

constexpr uint64_t pack(uint64_t front, uint64_t back) { return front | back << 32; }
constexpr int64_t front_of(uint64_t bounds) { return static_cast<int64_t>(bounds & 0xFFFFFFFFu); }
constexpr int64_t back_of(uint64_t bounds) { return static_cast<int64_t>(bounds >> 32); }

// Claims the first (owner) or last (thief) task of a range; -1 when it is empty.
int64_t claim(std::atomic<uint64_t>& bounds, bool from_front) {
  uint64_t current = bounds.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t front = front_of(current), back = back_of(current);
    if (front >= back) return -1;
    const uint64_t next = from_front ? pack(front + 1, back) : pack(front, back - 1);
    if (bounds.compare_exchange_weak(current, next, std::memory_order_relaxed)) return from_front ? front : back - 1;
  }
}

}  // namespace

void ThreadPool::run_tasks(int participant) {
  const auto& fn = *fn_;
  auto run = [&](int64_t task) {
    try {
      fn(task);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  };
  for (int64_t task; !failed_.load(std::memory_order_relaxed) && (task = claim(ranges_[participant].bounds, true)) >= 0;) {
    run(task);
  }
  for (int offset = 1; offset < size_; ++offset) {
    auto& victim = ranges_[(participant + offset) % size_].bounds;
    for (int64_t task; !failed_.load(std::memory_order_relaxed) && (task = claim(victim, false)) >= 0;) run(task);
  }
}

// Tasks [begin, end) as one job: home ranges of near-equal size, the caller's first.
void ThreadPool::run_range(int64_t begin, int64_t end) {
  const int64_t tasks = end - begin;
  for (int p = 0; p < size_; ++p) {
    const int64_t front = tasks * p / size_, back = tasks * (p + 1) / size_;
    ranges_[p].bounds.store(pack(static_cast<uint64_t>(front), static_cast<uint64_t>(back)), std::memory_order_relaxed);
  }
  failed_.store(false, std::memory_order_relaxed);
  closed_.store(false, std::memory_order_seq_cst);  // publishes the job's fields to joiners
  generation_.fetch_add(1, std::memory_order_seq_cst);
  wake_sleepers();
  run_tasks(0);
  // Every task is claimed: close the job, then wait only for helpers still inside it.
  closed_.store(true, std::memory_order_seq_cst);
  for (int spin = 0; working_.load(std::memory_order_seq_cst) != 0 && spin < kSpinIterations; ++spin) cpu_relax();
  if (working_.load(std::memory_order_seq_cst) != 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [&] { return working_.load(std::memory_order_seq_cst) == 0; });
  }
}

void ThreadPool::worker_loop(int participant) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t current = generation_.load(std::memory_order_acquire);
    for (int spin = 0; current == seen; ++spin) {
      if (spin >= kSpinIterations) break;
      cpu_relax();
      current = generation_.load(std::memory_order_acquire);
    }
    if (current == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1, std::memory_order_seq_cst);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
      sleeping_.fetch_sub(1, std::memory_order_seq_cst);
      current = generation_.load(std::memory_order_acquire);
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = current;
    // Join only a job that is still open (sequentially consistent with the caller's
    // closed_ store and working_ load: either it waits for us, or we see the job closed).
    working_.fetch_add(1, std::memory_order_seq_cst);
    if (!closed_.load(std::memory_order_seq_cst)) run_tasks(participant);
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
  error_ = nullptr;
  // Task indices travel as 32-bit halves: larger jobs run as consecutive jobs of 2^31 tasks.
  constexpr int64_t kMaxJob = int64_t{1} << 31;
  for (int64_t begin = 0; begin < tasks && !error_; begin += kMaxJob) {
    const int64_t end = std::min(tasks, begin + kMaxJob);
    if (begin == 0) {
      run_range(0, end);
    } else {
      const std::function<void(int64_t)> shifted = [&](int64_t task) { fn(begin + task); };
      fn_ = &shifted;
      run_range(begin, end);
    }
  }
  fn_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

}  // namespace kiln

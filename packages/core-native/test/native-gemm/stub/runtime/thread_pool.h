// Local stand-in for src/runtime/thread_pool.h (owned by the core-native build engineer), used only
// when this harness is built before that header exists. Same contract: parallel_for runs fn(task)
// for every task in [0, tasks) over the pool's worker threads and the calling thread.
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
  explicit ThreadPool(int threads) : size_(threads < 1 ? 1 : threads) {
    for (int t = 1; t < size_; ++t) workers_.emplace_back([this] { worker_loop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }
  int size() const { return size_; }

  void parallel_for(int64_t tasks, const std::function<void(int64_t task)>& fn) {
    if (tasks <= 0) return;
    if (size_ == 1 || tasks == 1) {
      for (int64_t task = 0; task < tasks; ++task) fn(task);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      tasks_ = tasks;
      next_.store(0);
      active_ = size_ - 1;
      ++generation_;
    }
    wake_.notify_all();
    run_tasks(fn, tasks);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return active_ == 0; });
  }

 private:
  void run_tasks(const std::function<void(int64_t)>& fn, int64_t tasks) {
    for (int64_t task = next_.fetch_add(1); task < tasks; task = next_.fetch_add(1)) fn(task);
  }
  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int64_t)>* fn;
      int64_t tasks;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
        fn = fn_;
        tasks = tasks_;
      }
      run_tasks(*fn, tasks);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_ == 0) done_.notify_one();
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace kiln

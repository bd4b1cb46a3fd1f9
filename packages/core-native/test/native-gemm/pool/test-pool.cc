// Thread pool stress test (built against the real src/runtime/thread_pool.cc by ../run.sh):
// every task of every job runs exactly once, across job sizes, pool sizes, concurrent callers,
// helpers that wake late (the caller must not wait for them), helpers that parked, prewake() (with
// and without a job following, racing with jobs and with the pool's destruction), and exceptions.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <vector>

#include "runtime/thread_pool.h"

namespace {

std::atomic<long> failures{0}, checks{0};  // expect() runs on concurrent callers too

void expect(bool ok, const char* what, long a, long b) {
  ++checks;
  if (!ok) {
    ++failures;
    std::printf("FAIL %s (%ld, %ld)\n", what, a, b);
  }
}

void jobs_run_every_task_once_n(kiln::ThreadPool& pool, unsigned seed, int jobs) {
  for (int job = 0; job < jobs; ++job) {
    seed = seed * 1664525u + 1013904223u;
    const int tasks = 1 + static_cast<int>(seed >> 24) % 67;
    std::vector<std::atomic<int>> hits(tasks);
    for (auto& hit : hits) hit.store(0);
    // Some jobs are tiny (a helper usually arrives after the caller took everything), some spin.
    const int work = (seed >> 8) % 4 == 0 ? 2000 : 0;
    pool.parallel_for(tasks, [&](int64_t task) {
      volatile int sink = 0;
      for (int i = 0; i < work; ++i) sink = sink + i;
      hits[task].fetch_add(1);
    });
    for (int t = 0; t < tasks; ++t) expect(hits[t].load() == 1, "task ran exactly once", t, hits[t].load());
  }
}

void jobs_run_every_task_once(kiln::ThreadPool& pool, unsigned seed) { jobs_run_every_task_once_n(pool, seed, 2000); }

}  // namespace

int main() {
  // A pool destroyed while its helpers spin after a prewake() (or are being woken by one) joins them.
  for (int round = 0; round < 100; ++round) {
    kiln::ThreadPool pool(3);
    if (round % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
    pool.prewake();
    expect(pool.size() == 3, "pool size", pool.size(), 3);
  }
  for (int size : {1, 2, 3, 8}) {
    kiln::ThreadPool pool(size);
    jobs_run_every_task_once(pool, 12345u + size);
    // Helpers park between bursts of jobs and still wake for the next one.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    jobs_run_every_task_once(pool, 999u + size);
    // prewake() before jobs, with helpers parked or spinning, and with no job following.
    for (int round = 0; round < 200; ++round) {
      if (round % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      pool.prewake();
      if (round % 3 != 0) jobs_run_every_task_once_n(pool, 31u * round + size, 5);
    }
    // prewake() from another thread while jobs run.
    std::atomic<bool> done{false};
    std::thread waker([&] {
      while (!done.load()) {
        pool.prewake();
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    });
    jobs_run_every_task_once(pool, 4242u + size);
    done.store(true);
    waker.join();
    // Concurrent callers serialize on one pool.
    std::vector<std::thread> callers;
    for (int c = 0; c < 3; ++c) callers.emplace_back([&, c] { jobs_run_every_task_once(pool, 777u * (c + 1)); });
    for (auto& caller : callers) caller.join();
    // The first exception reaches the caller; the pool stays usable.
    bool threw = false;
    try {
      pool.parallel_for(40, [](int64_t task) {
        if (task == 17) throw std::runtime_error("task 17");
      });
    } catch (const std::runtime_error&) {
      threw = true;
    }
    expect(threw, "exception rethrown on the caller", size, 0);
    std::atomic<int> after{0};
    pool.parallel_for(10, [&](int64_t) { after.fetch_add(1); });
    expect(after.load() == 10, "pool usable after an exception", size, after.load());
  }
  std::printf("thread pool: %ld passed, %ld failed\n", checks.load() - failures.load(), failures.load());
  return failures == 0 ? 0 : 1;
}

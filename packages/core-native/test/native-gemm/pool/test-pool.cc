// Thread pool stress test (built against the real src/runtime/thread_pool.cc by ../run.sh):
// every task of every job runs exactly once, across job sizes, pool sizes, concurrent callers,
// helpers that wake late (the caller must not wait for them), helpers that parked, and exceptions.
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

void jobs_run_every_task_once(kiln::ThreadPool& pool, unsigned seed) {
  for (int job = 0; job < 2000; ++job) {
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

}  // namespace

int main() {
  for (int size : {1, 2, 3, 8}) {
    kiln::ThreadPool pool(size);
    jobs_run_every_task_once(pool, 12345u + size);
    // Helpers park between bursts of jobs and still wake for the next one.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    jobs_run_every_task_once(pool, 999u + size);
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

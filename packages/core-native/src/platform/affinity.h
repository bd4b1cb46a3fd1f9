// Thread placement for the run queue (src/workers/run_queue.h). Linux only: elsewhere nothing is
// placed and every call reports that (the run queue then works as a plain thread pool).
#pragma once

#include <vector>

namespace kiln {

// The cores a thread may run on, as the OS's affinity mask.
class CoreMask {
 public:
  // The calling thread's current mask (empty where unsupported).
  static CoreMask of_this_thread();

  bool contains(int core) const;
  // How many cores the mask holds (0 where unsupported).
  int count() const;
  // Restricts the calling thread to this mask; false if that failed or is unsupported.
  bool apply_to_this_thread() const;
  // Restricts thread `thread_id` (from this_thread_id; 0: the calling thread) to this mask; false
  // as above.
  bool apply_to_thread(long thread_id) const;

 private:
  std::vector<unsigned char> bytes_;
};

// The kernel's id of the calling thread (0 where unsupported).
long this_thread_id();

// The core the calling thread runs on right now (-1 where unknown).
int this_core();

// Restricts thread `thread_id` (from this_thread_id) to `core` alone; false if that failed.
bool pin_thread(long thread_id, int core);

}  // namespace kiln

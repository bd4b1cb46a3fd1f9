#include "platform/affinity.h"

#if defined(__linux__)
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#endif

namespace kiln {

#if defined(__linux__)

CoreMask CoreMask::of_this_thread() {
  CoreMask mask;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    mask.bytes_.resize(sizeof set);
    std::memcpy(mask.bytes_.data(), &set, sizeof set);
  }
  return mask;
}

bool CoreMask::contains(int core) const {
  if (bytes_.size() != sizeof(cpu_set_t) || core < 0 || core >= CPU_SETSIZE) return false;
  cpu_set_t set;
  std::memcpy(&set, bytes_.data(), sizeof set);
  return CPU_ISSET(core, &set);
}

int CoreMask::count() const {
  if (bytes_.size() != sizeof(cpu_set_t)) return 0;
  cpu_set_t set;
  std::memcpy(&set, bytes_.data(), sizeof set);
  return CPU_COUNT(&set);
}

bool CoreMask::apply_to_this_thread() const { return apply_to_thread(0); }

bool CoreMask::apply_to_thread(long thread_id) const {
  if (bytes_.size() != sizeof(cpu_set_t) || thread_id < 0) return false;
  cpu_set_t set;
  std::memcpy(&set, bytes_.data(), sizeof set);
  return sched_setaffinity(static_cast<pid_t>(thread_id), sizeof set, &set) == 0;
}

long this_thread_id() { return static_cast<long>(syscall(SYS_gettid)); }

int this_core() { return sched_getcpu(); }

bool pin_thread(long thread_id, int core) {
  if (thread_id <= 0 || core < 0 || core >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return sched_setaffinity(static_cast<pid_t>(thread_id), sizeof set, &set) == 0;
}

#else

CoreMask CoreMask::of_this_thread() { return CoreMask(); }
bool CoreMask::contains(int) const { return false; }
int CoreMask::count() const { return 0; }
bool CoreMask::apply_to_this_thread() const { return false; }
bool CoreMask::apply_to_thread(long) const { return false; }
long this_thread_id() { return 0; }
int this_core() { return -1; }
bool pin_thread(long, int) { return false; }

#endif

}  // namespace kiln

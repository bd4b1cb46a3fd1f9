#include "napi/addon_state.h"

namespace kiln {

AddonState::AddonState() : threads_(ThreadPool::available_cores()) {}

AddonState& AddonState::get(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

std::shared_ptr<ThreadPool> AddonState::pool() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!pool_) pool_ = std::make_shared<ThreadPool>(threads_);  // threads start on first use
  return pool_;
}

void AddonState::set_threads(int threads) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (threads == threads_ && pool_) return;
  threads_ = threads < 1 ? 1 : threads;
  pool_.reset();
}

RunQueue& AddonState::runs(Napi::Env env) {
  if (!runs_) runs_ = std::make_unique<RunQueue>(env);
  return *runs_;
}

int AddonState::threads() {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

}  // namespace kiln

// One inference as one AsyncWorker job: bindings were checked and converted on the main thread;
// Execute() runs every layer on the pool with no N-API calls; OnOK/OnError settle the Promise
// and release the context. The JS context object and every binding view stay referenced until then.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "executor/engine.h"
#include "executor/error.h"

namespace kiln {

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, std::shared_ptr<Context> context, std::shared_ptr<ThreadPool> pool,
            std::vector<Binding> inputs, std::vector<Binding> outputs, const Napi::Object& context_object,
            const Napi::Array& views);
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Context> context_;
  std::shared_ptr<ThreadPool> pool_;
  std::vector<Binding> inputs_, outputs_;
  Napi::ObjectReference context_ref_;
  Napi::ObjectReference views_ref_;
  KilnException failure_{"", ""};
};

}  // namespace kiln

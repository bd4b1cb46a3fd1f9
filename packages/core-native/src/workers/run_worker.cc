#include "workers/run_worker.h"

#include "napi/errors.h"

namespace kiln {

RunWorker::RunWorker(Napi::Env env, std::shared_ptr<Context> context, std::shared_ptr<ThreadPool> pool,
                     std::vector<Binding> inputs, std::vector<Binding> outputs, const Napi::Object& context_object,
                     const Napi::Array& views)
    : Napi::AsyncWorker(env, "kiln.run"),
      deferred_(Napi::Promise::Deferred::New(env)),
      context_(std::move(context)),
      pool_(std::move(pool)),
      inputs_(std::move(inputs)),
      outputs_(std::move(outputs)),
      context_ref_(Napi::Persistent(context_object)),
      views_ref_(Napi::Persistent(static_cast<Napi::Object>(views))) {}

void RunWorker::Execute() {
  try {
    context_->run(inputs_, outputs_, pool_.get());
  } catch (const KilnException& e) {
    failure_ = e;
    SetError(e.what());
  } catch (const std::bad_alloc&) {
    failure_ = KilnException("ERR_OUT_OF_MEMORY", "Out of memory while running the engine.");
    SetError(failure_.what());
  } catch (const std::exception& e) {
    failure_ = KilnException("ERR_INTERNAL", std::string("Native failure while running the engine: ") + e.what());
    SetError(failure_.what());
  }
}

// Settling can fail only while the environment is being torn down (a worker thread terminated
// with a run in flight): there is nobody left to notify, so the error is dropped rather than
// escaping into node-addon-api's callback wrapper (which would abort the process).
void RunWorker::OnOK() {
  context_->release();
  try {
    deferred_.Resolve(Env().Undefined());
  } catch (const Napi::Error&) {
  }
}

void RunWorker::OnError(const Napi::Error& /*error*/) {
  context_->release();
  try {
    deferred_.Reject(to_js_error(Env(), failure_).Value());
  } catch (const Napi::Error&) {
  }
}

}  // namespace kiln

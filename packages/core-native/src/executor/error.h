// The one error type native code throws on purpose. The N-API boundary (src/napi/errors.cc)
// turns it into a JS Error carrying code/expected/found/where/hint, which the TS layer rewraps
// as a KilnError. Thrown from plain C++ (no N-API), so it is safe on a run thread (src/workers/run_queue.h).
#pragma once

#include <new>
#include <stdexcept>
#include <string>

namespace kiln {

struct KilnException : std::runtime_error {
  KilnException(std::string code_, const std::string& message, std::string expected_ = {},
                std::string found_ = {}, std::string where_ = {}, std::string hint_ = {})
      : std::runtime_error(message),
        code(std::move(code_)),
        expected(std::move(expected_)),
        found(std::move(found_)),
        where(std::move(where_)),
        hint(std::move(hint_)) {}
  std::string code, expected, found, where, hint;
};

// Call only inside a catch block: the exception being handled as a KilnException. A KilnException
// is returned as it is, std::bad_alloc becomes ERR_OUT_OF_MEMORY and anything else ERR_INTERNAL,
// so no native failure ever leaves a binding uncoded (node-addon-api converts only Napi::Error;
// any other exception escaping a binding ends the process). `during`: e.g. "running the engine".
inline KilnException current_failure(const std::string& during) {
  try {
    throw;
  } catch (const KilnException& e) {
    return e;
  } catch (const std::bad_alloc&) {
    return KilnException("ERR_OUT_OF_MEMORY", "Out of memory while " + during + ".", "enough free memory",
                         "an allocation failed", during, "Free memory, or use a smaller model, batch or shape.");
  } catch (const std::exception& e) {
    return KilnException("ERR_INTERNAL", "Native failure while " + during + ": " + e.what(), {}, {}, during,
                         "Report this as a Kiln bug, with the model and the call that failed.");
  } catch (...) {
    return KilnException("ERR_INTERNAL", "Native failure while " + during + ".", {}, {}, during,
                         "Report this as a Kiln bug, with the model and the call that failed.");
  }
}

// Uniform check helper: throws ERR_PROGRAM_INVALID with where/expected/found when !ok.
inline void check_program(bool ok, const std::string& where, const std::string& message,
                          const std::string& expected, const std::string& found) {
  if (!ok) {
    throw KilnException("ERR_PROGRAM_INVALID", message, expected, found, where,
                        "Rebuild the plan with this Kiln version; if it persists, report the plan as a bug.");
  }
}

}  // namespace kiln

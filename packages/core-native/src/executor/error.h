// The one error type native code throws on purpose. The N-API boundary (src/napi/errors.cc)
// turns it into a JS Error carrying code/expected/found/where/hint, which the TS layer rewraps
// as a KilnError. Thrown from plain C++ (no N-API), so it is safe on a run thread (src/workers/run_queue.h).
#pragma once

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

// Uniform check helper: throws ERR_PROGRAM_INVALID with where/expected/found when !ok.
inline void check_program(bool ok, const std::string& where, const std::string& message,
                          const std::string& expected, const std::string& found) {
  if (!ok) {
    throw KilnException("ERR_PROGRAM_INVALID", message, expected, found, where,
                        "Rebuild the plan with this Kiln version; if it persists, report the plan as a bug.");
  }
}

}  // namespace kiln

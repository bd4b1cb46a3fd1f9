#!/usr/bin/env bash
# Builds the native kernel test harness (kernels with the build contract's per-file ISA flags) and
# runs it. Exits non-zero on any failure. KILN_TEST_SEED=<n> reproduces a run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/../.." && pwd)"
mapfile -t objects < <("$here/compile-kernels.sh" -g)
includes=(-I"$here/stub" -I"$pkg/src")
[[ "${KILN_REAL_PLATFORM:-0}" == "1" ]] && includes=(-I"$pkg/src")
g++ -std=c++17 -O2 -g -Wall -Wextra "${includes[@]}" -I"$here" "$here"/test-*.cc "${objects[@]}" \
  -o "$pkg/test/native-gemm/build/test-native" -lpthread
# The real thread pool, stress-tested on its own (the kernel harness above may use the stub).
g++ -std=c++17 -O2 -g -Wall -Wextra -DKILN_X86 -I"$pkg/src" "$here/pool/test-pool.cc" \
  "$pkg/src/runtime/thread_pool.cc" -o "$pkg/test/native-gemm/build/test-pool" -lpthread
"$pkg/test/native-gemm/build/test-pool"
exec "$pkg/test/native-gemm/build/test-native"

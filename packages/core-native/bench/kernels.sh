#!/usr/bin/env bash
# Builds and runs the f32 GEMM / conv kernel benchmark (bench/kernels.cc). Arguments go to the
# bench: --json, --filter SUBSTRING, --min-time SECONDS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/.." && pwd)"
# The engine's thread pool and CPU detection (src/runtime, src/platform) unless KILN_REAL_PLATFORM=0
# picks the harness stand-ins (test/native-gemm/stub): the stand-in pool wakes its threads through
# a mutex and condition variable per job, so its 2-thread times of short kernels said nothing
# about the engine's (mobilenet_v2's 7x7x960 depthwise: 33 us against 8 us on the real pool).
export KILN_REAL_PLATFORM="${KILN_REAL_PLATFORM:-1}"
mapfile -t objects < <("$pkg/test/native-gemm/compile-kernels.sh")
includes=(-I"$pkg/test/native-gemm/stub" -I"$pkg/src")
[[ "$KILN_REAL_PLATFORM" == "1" ]] && includes=(-I"$pkg/src")
g++ -std=c++17 -O3 "${includes[@]}" "$here/kernels.cc" "${objects[@]}" \
  -o "$pkg/test/native-gemm/build/kernels" -lpthread
exec "$pkg/test/native-gemm/build/kernels" "$@"

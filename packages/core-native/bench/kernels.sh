#!/usr/bin/env bash
# Builds and runs the f32 GEMM / conv kernel benchmark (bench/kernels.cc). Arguments go to the
# bench: --json, --filter SUBSTRING, --min-time SECONDS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/.." && pwd)"
mapfile -t objects < <("$pkg/test/native-gemm/compile-kernels.sh")
includes=(-I"$pkg/test/native-gemm/stub" -I"$pkg/src")
[[ "${KILN_REAL_PLATFORM:-0}" == "1" ]] && includes=(-I"$pkg/src")
g++ -std=c++17 -O3 "${includes[@]}" "$here/kernels.cc" "${objects[@]}" \
  -o "$pkg/test/native-gemm/build/kernels" -lpthread
exec "$pkg/test/native-gemm/build/kernels" "$@"

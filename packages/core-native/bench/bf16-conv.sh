#!/usr/bin/env bash
# Builds and runs the bf16 conv layer benchmark (bench/bf16-conv.cc) against the real platform and
# thread pool. Arguments go to the bench: --repeats R, --filter TEXT, --variant TEXT.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/.." && pwd)"
mapfile -t objects < <(KILN_REAL_PLATFORM=1 "$pkg/test/native-gemm/compile-kernels.sh")
g++ -std=c++17 -O3 -DKILN_X86 -I"$pkg/src" "$here/bf16-conv.cc" "${objects[@]}" \
  -o "$pkg/test/native-gemm/build/bf16-conv" -lpthread
exec "$pkg/test/native-gemm/build/bf16-conv" "$@"

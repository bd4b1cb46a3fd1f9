#!/usr/bin/env bash
# Builds one native layer benchmark (bench/NAME.cc) against the real platform and thread pool,
# linked with every kernel object, and runs it with the remaining arguments.
#   bench/build-and-run.sh NAME [bench arguments...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/.." && pwd)"
name="$1"
shift
mapfile -t objects < <(KILN_REAL_PLATFORM=1 "$pkg/test/native-gemm/compile-kernels.sh")
g++ -std=c++17 -O3 -DKILN_X86 -I"$pkg/src" "$here/$name.cc" "${objects[@]}" \
  -o "$pkg/test/native-gemm/build/$name" -lpthread
exec "$pkg/test/native-gemm/build/$name" "$@"

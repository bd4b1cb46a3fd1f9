#!/usr/bin/env bash
# Builds and runs the Kiln-vs-OpenBLAS f32 GEMM comparison. Needs libopenblas-dev
# (apt-get install -y libopenblas-dev). Extra arguments go to the bench (--mnk M N K,
# --repeats R, --variant NAME).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/.." && pwd)"
# The engine's thread pool and CPU detection unless KILN_REAL_PLATFORM=0 (see kernels.sh).
export KILN_REAL_PLATFORM="${KILN_REAL_PLATFORM:-1}"
mapfile -t objects < <("$pkg/test/native-gemm/compile-kernels.sh")
includes=(-I"$pkg/test/native-gemm/stub" -I"$pkg/src")
[[ "$KILN_REAL_PLATFORM" == "1" ]] && includes=(-I"$pkg/src")
g++ -std=c++17 -O3 "${includes[@]}" -I/usr/include/x86_64-linux-gnu/openblas-pthread \
  "$here/gemm-vs-openblas.cc" "${objects[@]}" -o "$pkg/test/native-gemm/build/gemm-vs-openblas" \
  -lopenblas -lpthread
# OPENBLAS_THREAD_TIMEOUT=4: OpenBLAS workers otherwise spin ~0.1 s after each call and steal the
# second core from the Kiln runs interleaved with them.
OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}" \
OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-SkylakeX}" "$pkg/test/native-gemm/build/gemm-vs-openblas" "$@"

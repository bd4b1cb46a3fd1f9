#!/usr/bin/env bash
# Compiles the f32-gemm and f32-conv kernel sources (not their executor drivers, *_op.cc) into test/native-gemm/build/obj (git-ignored; not build/, which node-gyp owns) with the build
# contract's per-file ISA flags (by file-name suffix), -O3, C++17, never -march=native.
# Usage: compile-kernels.sh [extra g++ flags...]   (prints the object list)
# KILN_REAL_PLATFORM=1 builds against src/platform/cpu.h and src/runtime/thread_pool.h instead of
# the stand-ins in stub/, compiling src/platform/cpu.cc and src/runtime/thread_pool.cc too.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/../.." && pwd)"
out="$here/build/obj"
[[ "${KILN_REAL_PLATFORM:-0}" == "1" ]] && out="$here/build/obj-real"
mkdir -p "$out"
CXX="${CXX:-g++}"
if [[ "${KILN_REAL_PLATFORM:-0}" == "1" ]]; then
  includes=(-I"$pkg/src" -DKILN_X86)  # binding.gyp defines KILN_X86 on x86-64 for cpu.cc
else
  includes=(-I"$here/stub" -I"$pkg/src")
fi
flags_for() {
  local avx512="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mf16c"
  case "$1" in
    *__scalar.cc) echo "" ;;
    *__avx2.cc) echo "-mavx2 -mfma -mf16c" ;;
    *__avx512.cc) echo "$avx512" ;;
    *__avx512vnni.cc) echo "$avx512 -mavx512vnni" ;;
    *__avx512bf16.cc) echo "$avx512 -mavx512vnni -mavx512bf16" ;;
    *__avx512fp16.cc) echo "$avx512 -mavx512vnni -mavx512bf16 -mavx512fp16" ;;
    *__amx.cc) echo "$avx512 -mavx512vnni -mavx512bf16 -mavx512fp16 -mamx-tile -mamx-int8 -mamx-bf16" ;;
    *) echo "" ;;
  esac
}
pids=()
objects=()
sources=("$pkg"/src/kernels/f32-gemm/*.cc "$pkg"/src/kernels/f32-conv/*.cc "$pkg"/src/kernels/lowp-gemm/*.cc "$pkg"/src/kernels/lowp-conv/*.cc "$pkg"/src/kernels/lowp-dwconv/*.cc "$pkg"/src/kernels/bf16-dwconv/*.cc)
if [[ "${KILN_REAL_PLATFORM:-0}" == "1" ]]; then
  sources+=("$pkg/src/platform/cpu.cc" "$pkg/src/runtime/thread_pool.cc")
fi
for src in "${sources[@]}"; do
  [[ -e "$src" ]] || continue
  # Executor drivers (*_op.cc) need the executor and N-API-free program types: not kernels.
  [[ "$src" == *_op.cc ]] && continue
  family="$(basename "$(dirname "$src")")"
  obj="$out/${family}__$(basename "${src%.cc}").o"
  objects+=("$obj")
  if [[ ! -e "$obj" || "$src" -nt "$obj" || -n "$(find "$pkg/src/kernels" "$here/stub" -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ]]; then
    # shellcheck disable=SC2046
    "$CXX" -std=c++17 -O3 -Wall -Wextra -Wno-maybe-uninitialized "${includes[@]}" $(flags_for "$src") "$@" -c "$src" -o "$obj" &
    pids+=($!)
  fi
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
[[ $status -eq 0 ]] || { echo "kernel compile failed" >&2; exit 1; }
printf '%s\n' "${objects[@]}"

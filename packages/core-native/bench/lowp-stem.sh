#!/usr/bin/env bash
# Builds and runs the int8 stem benchmark (bench/lowp-stem.cc) against the real platform and
# thread pool. Arguments go to the bench: --repeats R, --filter TEXT.
exec "$(dirname "$0")/build-and-run.sh" lowp-stem "$@"

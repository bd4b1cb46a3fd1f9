#!/usr/bin/env bash
# Builds and runs the int8 layer benchmark (bench/lowp-layers.cc) against the real platform and
# thread pool. Arguments go to the bench: --repeats R.
exec "$(dirname "$0")/build-and-run.sh" lowp-layers "$@"

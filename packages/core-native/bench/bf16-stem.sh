#!/usr/bin/env bash
# Builds and runs the bf16 stem benchmark (bench/bf16-stem.cc) against the real platform and
# thread pool. Arguments go to the bench: --repeats R, --filter TEXT.
exec "$(dirname "$0")/build-and-run.sh" bf16-stem "$@"

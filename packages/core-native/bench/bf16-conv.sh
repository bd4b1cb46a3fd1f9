#!/usr/bin/env bash
# Builds and runs the bf16 conv layer benchmark (bench/bf16-conv.cc) against the real platform and
# thread pool. Arguments go to the bench: --repeats R, --filter TEXT, --variant TEXT.
exec "$(dirname "$0")/build-and-run.sh" bf16-conv "$@"

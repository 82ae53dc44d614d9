#!/usr/bin/env bash
# The cargo feature `onnxruntime` (issue 15): installs onnxruntime 1.32.0 from PyPI into a
# virtual environment under target/ (its wheel ships libonnxruntime.so), points ORT_DYLIB_PATH
# at the library, lints the feature's code and runs the tests that exercise the models with it:
# the runtime's own tests (reference outputs, the int8 class map, the same verdicts as tract on
# every fixture photo), the 21 fixture cases, rotation and output re-checks.
# Usage: bash scripts/onnxruntime-test.sh     (called by .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/ort-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check onnxruntime==1.32.0
lib=$(ls "$venv"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.* | head -n 1)
export ORT_DYLIB_PATH="$PWD/$lib"
echo "ORT_DYLIB_PATH=$ORT_DYLIB_PATH"

cargo clippy --release --features onnxruntime --lib --bins --examples --test onnxruntime -- -D warnings
cargo test --release --features onnxruntime --lib --test onnxruntime --test cases --test rotation --test output

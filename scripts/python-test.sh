#!/usr/bin/env bash
# The Python package (issue 33): a fresh virtual environment, `pip install .` (maturin builds the
# abi3 wheel from python/, in this workspace's target folder), then the pytest suite: each call,
# each input type, each error kind, 8 threads on one Checker, the runtime auto-selection with and
# without onnxruntime, and a Ray run on a local Ray with 2 workers equal to `idphoto batch`.
# Then the benchmark line (Ray vs batch, Python vs the CLI per photo).
# Usage: bash scripts/python-test.sh     (called by .ci/run, after `cargo test --release` built
# target/release/idphoto)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/py-venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip
"$venv/bin/pip" install -q --disable-pip-version-check . pytest numpy pillow
"$venv/bin/python" -c "import idphoto, sys; print('idphoto', idphoto.__version__, 'on Python', sys.version.split()[0])"

# without onnxruntime and ray: the auto runtime is tract; the Ray test is skipped here
"$venv/bin/python" -m pytest -q python/tests -k "not ray"

# with them: onnxruntime is chosen by `auto`, and the Ray run
"$venv/bin/pip" install -q --disable-pip-version-check onnxruntime==1.32.0 "ray[data]==2.60.0"
"$venv/bin/python" -m pytest -q python/tests

"$venv/bin/python" python/examples/bench_python.py --copies 3

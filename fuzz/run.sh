#!/usr/bin/env bash
# Bounded fuzzing of the three targets (stable Rust: cargo-fuzz with `-s none`, libFuzzer's
# coverage feedback without a sanitizer). Seeds come from the repository; any crash input lands
# in fuzz/artifacts/TARGET/ — copy it to tests/fixtures/regression/{decode,spec}/ once fixed.
# usage: bash fuzz/run.sh [SECONDS_PER_TARGET]      (default 60; needs `cargo install cargo-fuzz`)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
mkdir -p fuzz/corpus/{decode,spec,normalize}
cp tests/fixtures/bad/*.{jpg,png,webp,gif} tests/fixtures/photos/grace_hopper.jpg fuzz/corpus/decode/ 2>/dev/null || true
cp tests/fixtures/regression/decode/* fuzz/corpus/decode/ 2>/dev/null || true
for f in specs/cn/id-card.toml specs/icao/passport.toml specs/us/passport.toml specs/cn/exit-entry.toml; do
  cp "$f" "fuzz/corpus/spec/$(echo "$f" | tr / _)"
done
cp tests/fixtures/regression/spec/* fuzz/corpus/spec/ 2>/dev/null || true
for t in decode spec normalize; do
  echo "== $t (${secs}s)"
  cargo fuzz run -O -s none "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=200000 2>&1 | grep -E "DONE|crash|panicked|SUMMARY" || true
done

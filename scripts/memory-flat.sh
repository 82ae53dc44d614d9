#!/usr/bin/env bash
# Peak memory of a batch run against the number of photos: the batch streams (one JSON line per
# photo, CSV and summary rebuilt line by line), so peak RSS should not grow with the count.
# Usage: bash scripts/memory-flat.sh [N1 N2 ...]   (default: 24 96 384; ~0.35 s per photo on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -eq 0 ] && counts=(24 96 384)
cargo build --release --bin idphoto >/dev/null 2>&1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
photos=(tests/fixtures/photos/*)
for n in "${counts[@]}"; do
  rm -rf "$tmp/in" "$tmp/out"
  mkdir -p "$tmp/in"
  for ((i = 0; i < n; i++)); do
    src=${photos[$((i % ${#photos[@]}))]}
    ln -s "$PWD/$src" "$tmp/in/$(printf '%06d' "$i")_$(basename "$src")"
  done
  /usr/bin/time -f "%M %e" -o "$tmp/time" target/release/idphoto batch \
    --spec cn/id-card --out-dir "$tmp/out" "$tmp/in" >/dev/null
  read -r kb secs <"$tmp/time"
  rows=$(wc -l <"$tmp/out/report.jsonl")
  echo "photos=$n rows=$rows peak_rss=$((kb / 1024)) MiB wall=${secs}s"
done

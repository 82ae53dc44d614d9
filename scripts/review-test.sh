#!/usr/bin/env bash
# The review page in a real browser (tests/review.rs): installs Debian's chromium,
# chromium-driver and a CJK font when missing, runs the browser tests (cargo builds the binary) and
# leaves the screenshots in target/review-screenshots/{grid,detail,evaluate,centre-order,centre-slip}.png
# (the review page, the `evaluate --html` page and the receipt centre's reviewer page).
# Usage: bash scripts/review-test.sh     (called by .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi -e "wqy" -e "noto sans cjk" || need+=(fonts-wqy-zenhei)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq "${need[@]}" >/dev/null \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}" >/dev/null; }
fi

# `cargo test` builds the idphoto binary itself, with the test build's dependency features (a
# separate bin-only `cargo build` would compile tract and the rest a second time)
cargo test --release --test review -- --ignored
echo "screenshots: target/review-screenshots/{grid,detail,evaluate,centre-order,centre-slip}.png"

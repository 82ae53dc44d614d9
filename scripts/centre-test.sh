#!/usr/bin/env bash
# The receipt centre on PostgreSQL, and its load run: starts a throwaway PostgreSQL
# (scripts/postgres.sh, which installs Debian's postgresql when missing), runs the scenarios of
# tests/centre.rs against it (their SQLite half runs in `cargo test --release`), then submits,
# reviews and fetches ORDERS orders (default 100) on SQLite and on PostgreSQL and prints a
# RESULT line for each.
# Usage: bash scripts/centre-test.sh [ORDERS]     (called by .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERS="${1:-100}"

IDPHOTO_REQUIRE_POSTGRES=1 bash scripts/postgres.sh cargo test --release --test centre -- postgres
cargo build --release --example centre_load
./target/release/examples/centre_load --orders "$ORDERS"
bash scripts/postgres.sh sh -c "./target/release/examples/centre_load --orders $ORDERS --db \"\$IDPHOTO_TEST_POSTGRES\""

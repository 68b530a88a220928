#!/usr/bin/env bash
# The test command: brings up PostgreSQL and Redis if needed, then runs every
# test of the workspace on SQLite and PostgreSQL, then the ledger audit.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/run --services-only
if ! command -v cargo-nextest >/dev/null 2>&1; then
    cargo install --locked cargo-nextest
fi
cargo nextest run --workspace --locked --no-fail-fast

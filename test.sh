#!/usr/bin/env bash
# The test command: brings up PostgreSQL and Redis if needed, then runs every
# test of the workspace on SQLite and PostgreSQL, then the console's browser tests.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/run --services-only
# Every PostgreSQL test makes its own scratch database (about 8 MB each); drop
# them before (leftovers of an interrupted run) and after, so repeated runs do
# not fill the disk.
drop_scratch_databases() {
    psql -h 127.0.0.1 -U postgres -d postgres -Atc \
        "SELECT datname FROM pg_database WHERE datname LIKE 'tally\_test\_%'" |
        while read -r db; do dropdb -h 127.0.0.1 -U postgres --if-exists "$db" 2>/dev/null || true; done
}
drop_scratch_databases
trap drop_scratch_databases EXIT
if ! command -v cargo-nextest >/dev/null 2>&1; then
    cargo install --locked cargo-nextest
fi
cargo nextest run --workspace --locked --no-fail-fast

# The TypeScript SDK (clients/typescript): its unit tests, and its tests against
# a real `tally serve` (the debug binary cargo has just built) on a fresh SQLite
# file and a fresh PostgreSQL database. Under CI a missing tool fails the run.
require_tool() {
    if command -v "$1" >/dev/null 2>&1; then return 0; fi
    if [ -n "${CI:-}" ]; then
        echo "$1 is required for the TypeScript SDK's tests ($2)" >&2
        exit 1
    fi
    echo "skipping the TypeScript SDK's tests: $1 not found ($2)" >&2
    return 1
}
if require_tool node "Node >= 18" && require_tool npm "npm" && require_tool sqlite3 "the sqlite3 shell"; then
    if [ "$(node -p 'Number(process.versions.node.split(".")[0])')" -lt 18 ]; then
        echo "the TypeScript SDK needs Node >= 18, found $(node --version)" >&2
        exit 1
    fi
    cargo build -p tally --locked
    target_dir="${CARGO_TARGET_DIR:-target}"
    case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
    export TALLY_BIN="$target_dir/debug/tally"
    (cd clients/typescript && npm ci --no-audit --no-fund && npm test)
fi

# Third-party OpenAPI tools against a live server on both backends (see
# tests/contract/run.sh); under CI a missing tool or service is a failure.
bash tests/contract/run.sh

# The console in a real browser (headless Chromium), on SQLite and PostgreSQL.
bash tests/browser/run.sh

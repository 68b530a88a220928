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
# The console in a real browser (headless Chromium), on SQLite and PostgreSQL.
bash tests/browser/run.sh

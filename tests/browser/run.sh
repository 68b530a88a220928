#!/usr/bin/env bash
# The console's browser tests: headless Debian Chromium driven by playwright-core
# (which never downloads a browser), against `target/debug/tally serve --demo`
# on a free port, once over a fresh SQLite file and once over a scratch
# PostgreSQL database (when PostgreSQL answers on 127.0.0.1:5432).
#
# Chromium and Node.js are installed with apt-get when absent. Under CI a
# missing or uninstallable one is a failure; elsewhere the tests are skipped
# with a message.
set -euo pipefail
cd "$(dirname "$0")"
repo="$(cd ../.. && pwd)"

missing() {
    if [ -n "${CI:-}" ]; then
        echo "browser tests: $1 is missing and could not be installed" >&2
        exit 1
    fi
    echo "browser tests: SKIPPED, $1 is missing and could not be installed" >&2
    exit 0
}

install() {
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    install chromium chromium-driver || true
fi
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing chromium
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    install nodejs npm || true
fi
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing node/npm

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error
(cd "$repo" && cargo build -p tally --locked)
export TALLY_BIN="${TALLY_BIN:-$repo/target/debug/tally}"

echo "browser tests on SQLite"
env -u TALLY_DATABASE_URL npm test

if command -v pg_isready >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q; then
    db="tally_test_console_$$_$RANDOM"
    createdb -h 127.0.0.1 -U postgres "$db"
    trap 'dropdb -h 127.0.0.1 -U postgres --if-exists "$db" >/dev/null 2>&1 || true' EXIT
    echo "browser tests on PostgreSQL"
    TALLY_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" npm test
elif [ -n "${CI:-}" ]; then
    echo "browser tests: PostgreSQL does not answer on 127.0.0.1:5432" >&2
    exit 1
fi

#!/usr/bin/env bash
# Contract checks: third-party OpenAPI tools against a live `tally serve`, once
# on a fresh SQLite file and once on a fresh PostgreSQL scratch database.
#
#   openapi-spec-validator  accepts the served document;
#   openapi-python-client   generates a client with no skipped operation, and
#                           tour.py runs a short tour through that client;
#   schemathesis            finds nothing with the checks in CHECKS below;
#   standardwebhooks        verifies every webhook the server sends to a
#                           receiver of webhooks.py's, before and after a
#                           secret rotation.
#
# The tools' versions are pinned in requirements.txt, every package they pull
# in in constraints.txt, and they are installed into a virtualenv of their own
# (tests/contract/.venv, git-ignored; TALLY_CONTRACT_VENV moves it). Under CI
# a missing tool or service fails the run; elsewhere the check says what is
# missing and skips. Arguments choose the backends (`run.sh sqlite`); both by
# default. TALLY_CONTRACT_KEEP=1 keeps the work directory (documents, generated
# client, reports, server logs).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/contract
venv=$(realpath -m "${TALLY_CONTRACT_VENV:-$here/.venv}")
# Examples per operation and phase: enough to cover every operation's
# documented answers, few enough that both backends take a few minutes.
max_examples=${TALLY_CONTRACT_EXAMPLES:-50}
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,ignored_auth,missing_required_header

missing() {
    if [ -n "${CI:-}" ]; then
        echo "contract checks: $1" >&2
        exit 1
    fi
    echo "contract checks skipped: $1" >&2
    exit 0
}

command -v python3 >/dev/null 2>&1 || missing "python3 is not installed"
pins=$(cat "$here/requirements.txt" "$here/constraints.txt")
if [ "$pins" != "$(cat "$venv/.pins" 2>/dev/null)" ]; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian's python3 keeps venv in a package of its own.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            rm -rf "$venv"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        fi
        rm -rf "$venv"
        python3 -m venv "$venv" || missing "python3 cannot make a virtualenv (install python3-venv)"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        -r "$here/requirements.txt" -c "$here/constraints.txt" ||
        missing "the pinned tools could not be installed from PyPI"
    printf '%s' "$pins" >"$venv/.pins"
fi

cargo build --locked --quiet -p tally
tally="$PWD/target/debug/tally"

work=$(mktemp -d)
server_pid=""
pg_db=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [ -n "$pg_db" ]; then dropdb -h 127.0.0.1 -U postgres --if-exists "$pg_db" 2>/dev/null || true; fi
    if [ -n "${TALLY_CONTRACT_KEEP:-}" ]; then echo "contract checks: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
    "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs every tool against a server on the database at $2 (name $1).
check_backend() {
    local name=$1 url=$2 port program token other_program other_token hooks_program hooks_token
    echo "== contract checks on $name"
    export TALLY_DATABASE_URL="$url"
    "$tally" migrate >/dev/null
    program=$("$tally" program create "Contract $name")
    token=$("$tally" token create --program "$program")
    # PATCH /program changes what the other operations may answer (a program
    # may stop requiring keys, or allow one request a minute), so schemathesis
    # exercises it on a program of its own.
    other_program=$("$tally" program create "Contract $name settings")
    other_token=$("$tally" token create --program "$other_program")
    # webhooks.py compares what its receiver got with every event its program
    # lists, so it has a program of its own too.
    hooks_program=$("$tally" program create "Contract $name webhooks")
    hooks_token=$("$tally" token create --program "$hooks_program")
    port=$(free_port)
    # The receiver of webhooks.py is on loopback, and a failed delivery is
    # retried at once. Schemathesis may register endpoints at random loopback
    # URLs then: their deliveries fail, three times, and change nothing else.
    "$tally" serve --listen "127.0.0.1:$port" --log-format json \
        --webhooks-allow-private-networks --webhook-retry-schedule 0s,200ms,500ms \
        2>"$work/serve-$name.log" &
    server_pid=$!
    local ready=""
    for _ in $(seq 1 100); do
        if "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
            "http://127.0.0.1:$port/readyz" 2>/dev/null; then
            ready=1
            break
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$ready" ]; then
        echo "tally serve did not become ready ($name):" >&2
        cat "$work/serve-$name.log" >&2
        exit 1
    fi
    # Before schemathesis, so that the dispatcher has only these deliveries.
    if ! "$venv/bin/python" "$here/webhooks.py" --base "http://127.0.0.1:$port" --token "$hooks_token" \
        --label "$name"; then
        echo "-- last server log lines ($name):" >&2
        tail -n 20 "$work/serve-$name.log" >&2
        exit 1
    fi
    if ! "$venv/bin/python" "$here/check.py" --base "http://127.0.0.1:$port" --token "$token" \
        --other-token "$other_token" --work "$work/$name" --venv "$venv" \
        --checks "$CHECKS" --max-examples "$max_examples"; then
        echo "-- last server log lines ($name):" >&2
        tail -n 20 "$work/serve-$name.log" >&2
        exit 1
    fi
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    # webhooks.py, and check.py's five checks: validator, client generation,
    # tour, two schemathesis runs.
    passed=$((passed + 6))
}
passed=0

backends=${*:-sqlite postgres}
case " $backends " in *" sqlite "*) check_backend sqlite "$work/contract.db" ;; esac
case " $backends " in
    *" postgres "*) ;;
    *)
        echo "contract: $passed passed, 0 failed"
        exit 0
        ;;
esac

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    missing "PostgreSQL is not reachable on 127.0.0.1:5432"
fi
# test.sh drops leftover tally_test_* databases of interrupted runs.
pg_db="tally_test_contract_$$_$(date +%s)"
createdb -h 127.0.0.1 -U postgres "$pg_db"
check_backend postgres "postgres://postgres@127.0.0.1:5432/$pg_db"
echo "contract checks passed on: $backends"
echo "contract: $passed passed, 0 failed"

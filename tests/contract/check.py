"""Runs the contract tools against one live Tally server (see run.sh).

Each step prints what the tool reported and the script exits non-zero on the
first failure.
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path


def step(title):
    print(f"-- {title}", flush=True)


def fetch_document(base, path):
    with urllib.request.urlopen(f"{base}/openapi.json", timeout=10) as response:
        text = response.read().decode()
    path.write_text(text)
    return json.loads(text)


def validate(venv, document_path):
    step("openapi-spec-validator")
    result = subprocess.run(
        [f"{venv}/bin/openapi-spec-validator", str(document_path)], capture_output=True, text=True
    )
    print(result.stdout.strip(), result.stderr.strip())
    if result.returncode != 0:
        sys.exit("openapi-spec-validator refused the document")


def generate_client(venv, document_path, out_dir, operation_count):
    step("openapi-python-client generate")
    package = out_dir / "tally_client"
    result = subprocess.run(
        [
            f"{venv}/bin/openapi-python-client",
            "generate",
            "--path",
            str(document_path),
            "--meta",
            "none",
            "--output-path",
            str(package),
            "--overwrite",
            "--config",
            str(Path(__file__).parent / "client-config.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    output = (result.stdout + result.stderr).strip()
    print(output)
    if result.returncode != 0:
        sys.exit("openapi-python-client failed")
    # It reports what it could not generate as warnings and still succeeds;
    # any warning is a failure here.
    if "Warning" in output or "warning" in output.lower():
        sys.exit("openapi-python-client warned about the document (see above)")
    generated = [p for p in (package / "api").rglob("*.py") if p.name != "__init__.py"]
    print(f"generated {len(generated)} operation modules for {operation_count} operations")
    if len(generated) != operation_count:
        sys.exit("openapi-python-client skipped operations")
    return out_dir


def tour(client_dir, base, token):
    step("tour through the generated client")
    env = dict(os.environ, PYTHONPATH=str(client_dir))
    result = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "tour.py"), base, token], env=env, text=True
    )
    if result.returncode != 0:
        sys.exit("the tour through the generated client failed")


def schemathesis(venv, base, token, checks, max_examples, report_dir, label, filters):
    step(f"schemathesis ({label})")
    command = [
        f"{venv}/bin/st",
        "run",
        f"{base}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        checks,
        "--max-examples",
        str(max_examples),
        "--seed",
        os.environ.get("TALLY_CONTRACT_SEED", "1"),
        "--workers",
        "2",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
        *filters,
    ]
    # In the work directory: schemathesis keeps its example database in the
    # current directory.
    result = subprocess.run(command, text=True, cwd=report_dir.parent)
    if result.returncode != 0:
        sys.exit(f"schemathesis found problems ({label})")


def raise_rate_limit(base, token):
    """The run sends far more than the default 600 requests a minute."""
    request = urllib.request.Request(
        f"{base}/api/v1/program",
        method="PATCH",
        data=json.dumps({"rate_limit_per_minute": 1_000_000}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, response.status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--other-token", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--checks", required=True)
    parser.add_argument("--max-examples", type=int, required=True)
    args = parser.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    document_path = work / "openapi.json"
    document = fetch_document(args.base, document_path)
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    operation_count = sum(1 for item in document["paths"].values() for m in item if m in methods)

    validate(args.venv, document_path)
    client_dir = generate_client(args.venv, document_path, work / "client", operation_count)
    tour(client_dir, args.base, args.token)
    raise_rate_limit(args.base, args.token)
    schemathesis(
        args.venv,
        args.base,
        args.token,
        args.checks,
        args.max_examples,
        work / "schemathesis",
        "every operation but program_update",
        ["--exclude-operation-id", "program_update"],
    )
    schemathesis(
        args.venv,
        args.base,
        args.other_token,
        args.checks,
        args.max_examples,
        work / "schemathesis-settings",
        "program_update, on a program of its own",
        # One operation has no links to follow: no stateful phase.
        ["--include-operation-id", "program_update", "--phases", "examples,coverage,fuzzing"],
    )


if __name__ == "__main__":
    main()

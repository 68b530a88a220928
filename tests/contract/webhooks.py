"""Webhooks against one live Tally server (see run.sh), verified by an
independent implementation: the `standardwebhooks` package, the Standard
Webhooks spec's own Python library, never Tally's code.

A receiver on 127.0.0.1 (a free port) is registered as an endpoint of the
program; effects are made through the API (a customer, a purchase, a reward,
a redemption); every delivery the receiver gets is verified with
`standardwebhooks.Webhook(secret).verify(body, headers)` as it arrives (204
when it verifies, 400 when not), and then checked: the payload's fields, one
delivery per event, and the events delivered are exactly the events
`GET /api/v1/events` lists. Then the secret is rotated and one more effect
made: its delivery carries two signatures and verifies with the new secret
and with the old one, each alone (the 24-hour overlap; that the old secret
stops signing after it is checked by the Rust suite, which moves the clock).
Negative controls (a tampered body, a tampered id, a wrong secret) must fail
verification, so the checks can fail.

The server must run with --webhooks-allow-private-networks (the receiver is
on loopback) and a short retry schedule. Exits non-zero on any failure.

Usage: python webhooks.py --base BASE_URL --token TOKEN [--label NAME]
"""

import argparse
import base64
import http.server
import importlib.metadata
import json
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from standardwebhooks import Webhook, WebhookVerificationError

# How long a delivery may take to arrive: the first attempt is immediate and
# the dispatcher polls every 250 ms; this is generous for a loaded machine.
ARRIVAL_TIMEOUT = 30.0
# After every expected delivery arrived, how long to keep listening for
# unexpected ones (duplicates, events that were not listed).
SETTLE = 1.5

failures = []
passed = 0


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(what)
        print(f"FAIL: {what}", flush=True)
    return condition


def verifies(secret, body, headers):
    """Whether `standardwebhooks` accepts the delivery with this one secret."""
    try:
        Webhook(secret).verify(body, headers)
        return True
    except WebhookVerificationError:
        return False


class Receiver:
    """A loopback HTTP receiver that verifies each delivery as it arrives."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = []
        # The secret the receiver verifies with; switched after a rotation.
        self.secret = None
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    secret = receiver.secret
                ok = secret is not None and verifies(secret, body, headers)
                with receiver.lock:
                    receiver.deliveries.append(
                        {"path": self.path, "headers": headers, "body": body, "verified": ok, "secret": secret}
                    )
                if ok:
                    self.send_response(204)
                    self.end_headers()
                else:
                    message = b"signature did not verify"
                    self.send_response(400)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.deliveries)

    def wait_for(self, event_ids, timeout=ARRIVAL_TIMEOUT):
        """Waits until each id has a delivery; answers the ids still missing."""
        deadline = time.monotonic() + timeout
        while True:
            got = {d["headers"].get("webhook-id") for d in self.snapshot()}
            missing = set(event_ids) - got
            if not missing or time.monotonic() > deadline:
                return missing
            time.sleep(0.05)


class Api:
    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, key=None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(f"{self.base}{path}", method=method, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        return status, (json.loads(text) if text else None)

    def expect(self, status, method, path, body=None, key=None):
        got, answer = self.call(method, path, body, key)
        if got != status:
            sys.exit(f"{method} {path}: expected {status}, got {got}: {answer}")
        return answer

    def all_events(self):
        """Every event of the program, newest first (all pages)."""
        events, after = [], None
        while True:
            query = "?limit=100" + (f"&starting_after={after}" if after else "")
            page = self.expect(200, "GET", f"/api/v1/events{query}")
            events.extend(page["data"])
            if not page["has_more"]:
                return events
            after = page["data"][-1]["id"]


RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def parse_time(text):
    match = RFC3339.match(text) if isinstance(text, str) else None
    if not match:
        return None
    whole, fraction, zone = match.groups()
    micros = int(((fraction or ".0")[1:] + "000000")[:6])
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(whole + zone) + timedelta(microseconds=micros)


def signatures(headers):
    return [s for s in headers.get("webhook-signature", "").split(" ") if s]


def tampered_body(body):
    """The same JSON with one field changed: what an attacker would send."""
    payload = json.loads(body)
    payload["sequence"] = (payload.get("sequence") or 0) + 1000
    return json.dumps(payload, separators=(",", ":")).encode()


def check_delivery(delivery, program_id, effects, started):
    """The fields of one delivery's payload; answers the payload."""
    headers, body = delivery["headers"], delivery["body"]
    event_id = headers.get("webhook-id", "")
    check(delivery["verified"], f"{event_id}: verified by standardwebhooks on arrival (answered 204)")
    check(headers.get("content-type", "").startswith("application/json"), f"{event_id}: Content-Type is JSON")
    try:
        payload = json.loads(body)
    except ValueError:
        check(False, f"{event_id}: the body is JSON")
        return None
    check(payload.get("id") == event_id, f"{event_id}: payload id {payload.get('id')!r} == the webhook-id header")
    check(event_id.startswith("evt_"), f"{event_id}: an evt_ id")
    check(payload.get("program_id") == program_id, f"{event_id}: program_id is the program's")
    when = parse_time(payload.get("timestamp"))
    check(when is not None, f"{event_id}: timestamp {payload.get('timestamp')!r} is RFC 3339")
    now = datetime.now(UTC)
    if when is not None:
        check(started - timedelta(minutes=1) <= when <= now + timedelta(minutes=1), f"{event_id}: timestamp is now")
    sent_at = headers.get("webhook-timestamp", "")
    check(
        sent_at.isdigit() and abs(int(sent_at) - now.timestamp()) < 300,
        f"{event_id}: webhook-timestamp {sent_at!r} is a Unix time within 5 minutes",
    )
    data = payload.get("data")
    check(isinstance(data, dict), f"{event_id}: data is an object")
    effect = effects.get((data or {}).get("id")) if isinstance(data, dict) else None
    if check(effect is not None, f"{event_id}: data is the resource of an effect this script made"):
        check(payload.get("type") == effect["type"], f"{event_id}: type {payload.get('type')!r} == {effect['type']!r}")
        check(data == effect["resource"], f"{event_id}: data is the resource exactly as the API answered it")
        check(
            payload.get("idempotency_key") == effect["key"],
            f"{event_id}: idempotency_key {payload.get('idempotency_key')!r} == {effect['key']!r}",
        )
    sequence = payload.get("sequence")
    check(isinstance(sequence, int) and not isinstance(sequence, bool), f"{event_id}: sequence is an integer")
    return payload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    api = Api(args.base, args.token)
    label = f" ({args.label})" if args.label else ""
    library = importlib.metadata.version("standardwebhooks")
    print(f"-- webhooks verified with standardwebhooks {library}{label}", flush=True)
    started = datetime.now(UTC)
    run = uuid.uuid4().hex[:12]

    program_id = api.expect(200, "GET", "/api/v1/program")["id"]
    before = {e["id"] for e in api.all_events()}

    with Receiver() as receiver:
        endpoint = api.expect(
            201,
            "POST",
            "/api/v1/webhook-endpoints",
            {"url": f"http://127.0.0.1:{receiver.port}/hooks/{run}", "description": "contract webhooks.py"},
        )
        old_secret = endpoint["secret"]
        check(endpoint["id"].startswith("whe_"), "the endpoint has a whe_ id")
        check(old_secret.startswith("whsec_"), "the secret is whsec_…")
        check(len(base64.b64decode(old_secret[len("whsec_") :] + "==")) >= 24, "the secret holds at least 24 bytes")
        check(endpoint.get("event_types") is None, "no event_types: every type")
        receiver.secret = old_secret

        # Effects, each with its own key; the event each must make.
        effects = {}

        def effect(event_type, path, body, key):
            resource = api.expect(201, "POST", path, body, key)
            if event_type:
                effects[resource["id"]] = {"type": event_type, "resource": resource, "key": key}
            return resource

        customer = effect(
            "customer.created",
            "/api/v1/customers",
            {"email": f"hooks-{run}@example.com", "name": "Grace"},
            f"hooks-customer-{run}",
        )
        effect(
            "points.earned",
            "/api/v1/transactions",
            {"customer_id": customer["id"], "spend_amount_cents": 50_000, "currency": "EUR"},
            f"hooks-buy-{run}",
        )
        # A reward is no event.
        reward = effect(None, "/api/v1/rewards", {"name": "Free tea", "cost_points": 100}, None)
        effect(
            "redemption.created",
            "/api/v1/redemptions",
            {"customer_id": customer["id"], "reward_id": reward["id"]},
            f"hooks-redeem-{run}",
        )

        listed = [e for e in api.all_events() if e["id"] not in before]
        check(len(listed) == 3, f"GET /events lists one event per effect: 3, got {len(listed)}")
        missing = receiver.wait_for([e["id"] for e in listed])
        check(not missing, f"every listed event was delivered within {ARRIVAL_TIMEOUT:.0f} s (missing: {missing})")
        time.sleep(SETTLE)
        first = receiver.snapshot()

        received = [d["headers"].get("webhook-id") for d in first]
        check(
            sorted(received) == sorted(e["id"] for e in listed),
            f"the events delivered {sorted(received)} are the events listed {sorted(e['id'] for e in listed)}, "
            "each once",
        )
        by_id = {e["id"]: e for e in listed}
        payloads = []
        for delivery in first:
            payload = check_delivery(delivery, program_id, effects, started)
            if payload is None:
                continue
            payloads.append(payload)
            check(payload == by_id.get(payload["id"]), f"{payload['id']}: the delivery is the event GET /events lists")
            check(len(signatures(delivery["headers"])) == 1, f"{payload['id']}: one signature before any rotation")
        # The effects were made one after the other: their events' sequences
        # are 1, 2, 3 in that order.
        order = list(effects)
        sequences = {p["data"]["id"]: p["sequence"] for p in payloads if isinstance(p.get("data"), dict)}
        check(
            [sequences.get(resource_id) for resource_id in order] == [1, 2, 3],
            f"the customer's sequences are 1, 2, 3 in commit order: {[sequences.get(r) for r in order]}",
        )
        check(
            sorted(p["type"] for p in payloads) == ["customer.created", "points.earned", "redemption.created"],
            "one customer.created, one points.earned, one redemption.created",
        )

        # Negative controls: what standardwebhooks must refuse.
        if first:
            control = first[0]
            headers, body = control["headers"], control["body"]
            check(verifies(old_secret, body, headers), "control: the untouched delivery verifies")
            check(not verifies(old_secret, tampered_body(body), headers), "control: a tampered body fails")
            check(not verifies(old_secret, body + b" ", headers), "control: one byte more fails")
            check(
                not verifies(old_secret, body, dict(headers, **{"webhook-id": "evt_" + "0" * 26})),
                "control: another webhook-id fails",
            )
            other = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
            check(not verifies(other, body, headers), "control: another secret fails")

        # Rotation: the old secret keeps signing beside the new one.
        rotated = api.expect(200, "POST", f"/api/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", {})
        new_secret = rotated.get("secret", "")
        check(new_secret.startswith("whsec_") and new_secret != old_secret, "rotation answers a new whsec_ secret")
        check(rotated.get("id") == endpoint["id"], "rotation answers the same endpoint")
        receiver.secret = new_secret
        effect(
            "points.earned",
            "/api/v1/transactions",
            {"customer_id": customer["id"], "spend_amount_cents": 20_000, "currency": "EUR"},
            f"hooks-buy-after-rotation-{run}",
        )
        listed_after = [e for e in api.all_events() if e["id"] not in before and e["id"] not in by_id]
        check(len(listed_after) == 1, f"one more event listed after the rotation, got {len(listed_after)}")
        missing = receiver.wait_for([e["id"] for e in listed_after])
        check(not missing, f"the event after the rotation was delivered (missing: {missing})")
        time.sleep(SETTLE)
        after = receiver.snapshot()[len(first) :]
        check(
            [d["headers"].get("webhook-id") for d in after] == [e["id"] for e in listed_after],
            "the delivery after the rotation is the event listed, once",
        )
        for delivery in after:
            headers, body = delivery["headers"], delivery["body"]
            payload = check_delivery(delivery, program_id, effects, started)
            if payload is None:
                continue
            event_id = payload["id"]
            check(payload == listed_after[0], f"{event_id}: the delivery is the event GET /events lists")
            check(payload.get("sequence") == 4, f"{event_id}: the customer's fourth event, sequence 4")
            sigs = signatures(headers)
            check(
                len(sigs) == 2 and len(set(sigs)) == 2 and all(s.startswith("v1,") for s in sigs),
                f"{event_id}: two distinct v1 signatures during the overlap: {sigs}",
            )
            check(verifies(new_secret, body, headers), f"{event_id}: verifies with the new secret alone")
            check(verifies(old_secret, body, headers), f"{event_id}: verifies with the old secret alone")
            for name, secret in (("new", new_secret), ("old", old_secret)):
                check(not verifies(secret, tampered_body(body), headers), f"{event_id}: tampered body fails ({name})")
            # Each signature alone verifies with exactly one of the secrets.
            for sig in sigs:
                alone = dict(headers, **{"webhook-signature": sig})
                check(
                    verifies(new_secret, body, alone) != verifies(old_secret, body, alone),
                    f"{event_id}: each signature is one secret's",
                )
            other = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
            check(not verifies(other, body, headers), f"{event_id}: a third secret fails")

        api.expect(200, "DELETE", f"/api/v1/webhook-endpoints/{endpoint['id']}")
        deliveries = receiver.snapshot()

    refused = sum(1 for d in deliveries if not d["verified"])
    print(
        f"webhooks{label}: {len(deliveries)} deliveries of {len(listed) + len(listed_after)} events, "
        f"{len(deliveries) - refused} verified by standardwebhooks, {refused} refused; "
        f"rotation overlap: {'both secrets verify' if not failures else 'see failures'}; "
        f"{passed} checks held, {len(failures)} did not",
        flush=True,
    )
    if failures:
        sys.exit(f"webhooks{label}: {len(failures)} checks failed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""moto_server for the benchmarks: moto's own server (same WSGI app, same flags `-H`/`-p` as `moto_server`,
so `startMoto()` runs it through `MOTO_SERVER_BIN`) plus benchmark-only routes. Every answer of moto's app
carries `x-bench-moto-ms`: the time moto took to produce it (from the request reaching the app to its status).
DynamoDB requests are served one at a time, each atomic as in AWS (ATOMIC_DYNAMODB below).

POST /bench/backdate[?account=<id>]  {"<access key id>": {"createdDaysAgo": n, "lastUsedDaysAgo": m | null}, ...}
    Sets each key's creation date and last use in moto's IAM backend of the account (default 123456789012).
    The IAM API cannot backdate a key, and a sweep benchmark needs keys of different ages (moto's own source
    notes that users set these fields by hand). Answers {"backdated": count}, or 404 naming an unknown key id.

POST /bench/seed-users[?account=<id>]  [{"name": "u000001", "tags": [{"Key": k, "Value": v}], "keys": n}, ...]
    Creates each user (path /, its tags) and its n access keys in the account's IAM backend, as CreateUser
    and CreateAccessKey would (the same backend calls), in one request: the organization benchmark seeds
    20 accounts x 1000 users, which takes minutes over the API on one moto process. Answers
    {"keys": {"<user>": ["<access key id>", ...]}}, or 409 naming a user that exists.
"""

import argparse
import json
import signal
import sys
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs

from moto.core.utils import utcnow
from moto.iam.exceptions import EntityAlreadyExists
from moto.iam.models import AccessKeyLastUsed, iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

ACCOUNT = "123456789012"
REGION = "us-east-1"

# ATOMIC_DYNAMODB: moto's UpdateItem of a new item stores the key alone, then applies the update expression,
# and its conditional writes check the condition, then write: on its threaded server a concurrent Query can
# read the key-only item, and two conditional writes can both pass. In AWS each request is atomic. The
# organization benchmark runs many account workers at once against one state table, so DynamoDB requests
# are served one at a time here (the other services are not serialized).
DYNAMODB_LOCK = threading.Lock()


def backdate(spec, account=ACCOUNT):
    keys = iam_backends[account]["aws"].access_keys
    now = utcnow()
    for key_id, dates in spec.items():
        key = keys[key_id]
        key.create_date = now - timedelta(days=dates["createdDaysAgo"])
        used = dates.get("lastUsedDaysAgo")
        key.last_used = (
            None
            if used is None
            else AccessKeyLastUsed(timestamp=now - timedelta(days=used), service="iam", region="us-east-1")
        )
    return len(spec)


def seed_users(spec, account=ACCOUNT):
    backend = iam_backends[account]["aws"]
    out = {}
    for user in spec:
        backend.create_user(REGION, user["name"], "/", user.get("tags") or [])
        out[user["name"]] = [backend.create_access_key(user["name"]).access_key_id for _ in range(user.get("keys", 0))]
    return out


def reply(start_response, status, payload):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def with_bench_routes(app):
    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO")
        if path in ("/bench/backdate", "/bench/seed-users") and environ.get("REQUEST_METHOD") == "POST":
            account = parse_qs(environ.get("QUERY_STRING", "")).get("account", [ACCOUNT])[0]
            length = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if path == "/bench/seed-users":
                try:
                    return reply(start_response, "200 OK", {"keys": seed_users(spec, account)})
                except EntityAlreadyExists as err:
                    return reply(start_response, "409 Conflict", {"error": str(err)})
            try:
                return reply(start_response, "200 OK", {"backdated": backdate(spec, account)})
            except KeyError as err:
                return reply(start_response, "404 Not Found", {"error": f"unknown access key {err}"})
        started = time.perf_counter()

        def timed_start_response(status, headers, exc_info=None):
            # moto's own time for the request, for the organization benchmark's diagnosis of load.
            headers = list(headers) + [("x-bench-moto-ms", f"{(time.perf_counter() - started) * 1000:.2f}")]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            # One DynamoDB request at a time: each is atomic, as in AWS (see ATOMIC_DYNAMODB).
            with DYNAMODB_LOCK:
                return list(app(environ, timed_start_response))
        return app(environ, timed_start_response)

    return wsgi


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args, _ = parser.parse_known_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, with_bench_routes(app), threaded=True)


if __name__ == "__main__":
    main()

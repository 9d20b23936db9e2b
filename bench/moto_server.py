#!/usr/bin/env python3
"""moto_server for the benchmarks: moto's own server (same WSGI app, same flags `-H`/`-p` as `moto_server`,
so `startMoto()` runs it through `MOTO_SERVER_BIN`) plus one benchmark-only route.

POST /bench/backdate  {"<access key id>": {"createdDaysAgo": n, "lastUsedDaysAgo": m | null}, ...}
    Sets each key's creation date and last use in moto's IAM backend. The IAM API cannot backdate a key,
    and a sweep benchmark needs keys of different ages (moto's own source notes that users set these
    fields by hand). Answers {"backdated": count}, or 404 naming an unknown key id.
"""

import argparse
import json
import signal
import sys
from datetime import timedelta

from moto.core.utils import utcnow
from moto.iam.models import AccessKeyLastUsed, iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

ACCOUNT = "123456789012"


def backdate(spec):
    keys = iam_backends[ACCOUNT]["aws"].access_keys
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


def reply(start_response, status, payload):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def with_bench_routes(app):
    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/bench/backdate" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(length) or b"{}")
            try:
                return reply(start_response, "200 OK", {"backdated": backdate(spec)})
            except KeyError as err:
                return reply(start_response, "404 Not Found", {"error": f"unknown access key {err}"})
        return app(environ, start_response)

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

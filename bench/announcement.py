#!/usr/bin/env python3
"""Benchmark: an announcement to 20,000 residents on the embedded (SQLite) backend.

Starts the release `yishi` on a fresh database (the demo county loads), adds N residents of
塘湾村 straight into the database, then, as the demo village cadre, times the announcement
request and the background fan-out until every resident is queued. Only loopback traffic.

    cargo build --release -p yishi-api && python3 bench/announcement.py [N]
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
PORT = 18990
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "yishi")
BASE = f"http://127.0.0.1:{PORT}"


def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def main():
    work = tempfile.mkdtemp(prefix="yishi-bench-")
    db_path = os.path.join(work, "yishi.db")
    env = dict(os.environ, YISHI_BIND=f"127.0.0.1:{PORT}", YISHI_METRICS_BIND="off", RUST_LOG="warn",
               DATABASE_URL=f"sqlite://{db_path}", YISHI_DISPATCH_INTERVAL_MS="50",
               YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE="1000000", YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE="1000000")
    server = subprocess.Popen([BINARY], cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                call("GET", "/readyz")
                break
            except Exception:
                time.sleep(0.1)
        db = sqlite3.connect(db_path, timeout=30)
        (village,) = db.execute("SELECT id FROM org_units WHERE name = '塘湾村'").fetchone()
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        started = time.perf_counter()
        with db:
            for i in range(N):
                user = str(uuid.uuid4())
                db.execute("INSERT INTO users (id, kind, display_name, created_at) VALUES (?, 'resident', ?, ?)", (user, f"村民{i}", now))
                db.execute("INSERT INTO residencies (id, user_id, org_unit_id, relation, status, created_at) "
                           "VALUES (?, ?, ?, 'head', 'approved', ?)", (str(uuid.uuid4()), user, village, now))
        print(f"loaded {N} residents in {time.perf_counter() - started:.2f} s")
        token = call("POST", "/api/v1/auth/login", {"username": "demo-cadre", "password": "yishi-demo-2026"})["access_token"]
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            created = call("POST", "/api/v1/announcements", {"org_unit_id": village, "title": "防汛通知", "body": "请注意防汛安全。"}, token)
            timings.append(time.perf_counter() - started)
            request_done = time.perf_counter()
            while True:
                progress = call("GET", f"/api/v1/announcements/{created['id']}", token=token)
                if progress["fanout_done"]:
                    break
                time.sleep(0.02)
            print(f"request {timings[-1] * 1000:.1f} ms; fan-out of {progress['fanned_out']} residents "
                  f"{time.perf_counter() - request_done:.2f} s (polled every 20 ms)")
            while db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0] > 0:
                time.sleep(0.05)
            print(f"  every notice in its inbox {time.perf_counter() - request_done:.2f} s after the request")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Load generator for the grid-cases benchmark (see bench/README-cases.md).

Python 3 standard library only: one thread per connection, each with its own keep-alive
http.client connection. Phases:

  report    POST /api/v1/cases by demo residents (a unique client_id per request)
  first     GET  /api/v1/cases?org_unit_id=<township>&limit=20 (the first page)
  page50    GET  the 50th page of that list: the list is walked once up front following
            next_cursor, and the cursors that open pages 50 .. 50+k-1 are kept (k =
            --page50-cursors, default 1 = exactly page 50); the timed requests cycle over them
  dup       POST /api/v1/cases/duplicates near existing open cases, in their category, with a
            text close to that category's reports
  all       first, page50, dup, then report (writes last, so the reads see the loaded data only)

Each phase runs --warmup seconds unrecorded, then --duration seconds (or --requests requests)
recorded, and prints: requests, errors (non-2xx by status), throughput, p50/p90/p99/max in ms.
"""

import argparse
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
import uuid

RESIDENTS = [
    "wangjianguo", "wangxiuying", "liuguiying", "liuzhiqiang", "lichunhua", "limingliang",
    "huangdefu", "zengxiaoli", "zhouyonggang", "zhoufang", "pengjun", "pengyumei",
]

# What a resident types before reporting, per category: close to (not equal to) the loaded
# descriptions of bench/load_cases.sql, so the duplicates query finds and scores candidates.
DUP_TEXTS = {
    "information": "新搬来的人家要登记人口信息",
    "public_opinion": "希望村里广场多装健身器材",
    "hazard": "河边的护栏断了，小孩玩很危险",
    "dispute": "宅基地边界吵起来了，请来调解",
    "policy": "高龄补贴怎么申请，要什么材料",
    "road": "村口的路灯坏了，晚上很黑",
    "water": "水管破裂了，好几户停水",
    "power": "电线杆歪了，电线垂得很低",
    "sanitation": "垃圾池满了没人清运，味道很大",
    "noise": "广场舞音响太大声，影响休息",
    "safety": "消防通道被车堵住了",
    "neighbour_dispute": "邻居家的狗跑到我家院子咬鸡",
    "other": "公交站候车亭顶棚漏雨",
}

REPORT_TEXTS = [
    ("road", "村口的路灯坏了，晚上很黑，老人走路不安全"),
    ("road", "通组公路上有个大坑，下雨积水"),
    ("water", "自来水管破裂了，水一直往外冒"),
    ("sanitation", "垃圾池满了好几天没人清运"),
    ("power", "电线杆歪了，电线垂得很低，怕出事"),
    ("noise", "晚上广场舞音响很大声，影响休息"),
    ("safety", "消防通道被私家车堵住了"),
    ("hazard", "山坡上的石头松动了，下雨天可能滚下来"),
    ("public_opinion", "希望在村部代办医保缴费"),
    ("other", "村部的公告栏玻璃碎了，需要修理"),
]


class Client:
    """One keep-alive connection; reconnects after a connection error."""

    def __init__(self, base, token=None, timeout=60):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.prefix = u.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None):
        """Returns (status, parsed JSON or None, elapsed seconds). Status 0 = connection error."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            start = time.perf_counter()
            try:
                self.conn.request(method, self.prefix + path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                elapsed = time.perf_counter() - start
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 0:
                    continue  # a keep-alive connection the server closed: once more, fresh
                return 0, None, time.perf_counter() - start
            if resp.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            return resp.status, parsed, elapsed
        return 0, None, 0.0


def must(status, body, what):
    if not 200 <= status < 300:
        sys.exit(f"{what}: HTTP {status} {json.dumps(body, ensure_ascii=False)[:300]}")
    return body


def staff_login(base, username, password):
    c = Client(base)
    s, b, _ = c.request("POST", "/api/v1/auth/login", {"username": username, "password": password})
    return must(s, b, f"login {username}")["access_token"]


def resident_login(base, name):
    c = Client(base)
    s, b, _ = c.request("POST", "/api/v1/auth/wechat/login", {"code": "dev:" + name})
    return must(s, b, f"wechat login {name}")["access_token"]


class Setup:
    """What every phase needs, read through the API."""

    def __init__(self, args):
        self.args = args
        base = args.base
        self.staff_token = staff_login(base, args.staff_user, args.password)
        self.admin_token = staff_login(base, "demo-admin", args.password)
        admin = Client(base, self.admin_token)
        counties = must(*admin.request("GET", "/api/v1/org-units")[:2], "org-units")["items"]
        self.county = counties[0]
        townships = must(
            *admin.request("GET", "/api/v1/org-units?parent_id=" + self.county["id"])[:2], "townships"
        )["items"]
        if args.township:
            chosen = [t for t in townships if args.township in (t["id"], t["name"])]
            if not chosen:
                sys.exit(f"no township {args.township!r}; there are {[t['name'] for t in townships]}")
            self.township = chosen[0]
        else:
            # The demo township officer's township (杏子铺镇), else the first one.
            self.township = next((t for t in townships if t["name"] == "杏子铺镇"), townships[0])
        grids = must(*admin.request("GET", "/api/v1/grids?org_unit_id=" + self.county["id"])[:2], "grids")["items"]
        self.boxes = []
        for g in grids:
            ring = g["boundary"]["coordinates"][0]
            lngs = [p[0] for p in ring]
            lats = [p[1] for p in ring]
            self.boxes.append((min(lats), max(lats), min(lngs), max(lngs)))
        self.categories = [
            c["code"]
            for c in must(*admin.request("GET", "/api/v1/case-categories")[:2], "categories")["items"]
            if c["active"]
        ]
        self.list_path = "/api/v1/cases?" + urllib.parse.urlencode(
            {"org_unit_id": self.township["id"], "limit": 20}
        )
        self._residents = None
        self._open = None
        self._page50 = None

    def residents(self):
        if self._residents is None:
            self._residents = [resident_login(self.args.base, n) for n in RESIDENTS[: self.args.residents]]
        return self._residents

    def open_cases(self):
        """Open cases with a point, newest first, read as the admin (a few pages)."""
        if self._open is None:
            admin = Client(self.args.base, self.admin_token)
            found, cursor = [], None
            while len(found) < self.args.dup_points:
                q = {"open": "true", "limit": 100}
                if cursor:
                    q["cursor"] = cursor
                b = must(*admin.request("GET", "/api/v1/cases?" + urllib.parse.urlencode(q))[:2], "open cases")
                found += [(c["lat"], c["lng"], c["category"]) for c in b["items"] if c.get("lat") is not None]
                cursor = b.get("next_cursor")
                if not cursor:
                    break
            if not found:
                sys.exit("no open case with a point: load data first (bench/load_cases.sql)")
            self._open = found[: self.args.dup_points]
        return self._open

    def page50_cursors(self):
        """Walks the township list; the cursors that open pages 50 .. 50+k-1."""
        if self._page50 is None:
            c = Client(self.args.base, self.staff_token)
            want = self.args.page50_cursors
            cursors, cursor, page = [], None, 1
            start = time.perf_counter()
            while len(cursors) < want:
                path = self.list_path + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
                b = must(*c.request("GET", path)[:2], f"walking page {page}")
                cursor = b.get("next_cursor")
                if not cursor:
                    sys.exit(f"the list ends at page {page}: fewer than {49 + want} pages")
                page += 1
                if page >= 50:
                    cursors.append(cursor)  # this cursor opens page `page`
            print(
                f"  walked pages 1..{page - 1} in {time.perf_counter() - start:.1f}s; "
                f"{len(cursors)} cursor(s) for pages 50..{49 + len(cursors)}",
                flush=True,
            )
            self._page50 = cursors
        return self._page50


def make_phase(setup, phase):
    """Returns (label, clients-for-thread-i, request(i, n, rng, client))."""
    a = setup.args
    if phase == "report":
        tokens = setup.residents()
        run_id = uuid.uuid4().hex[:10]

        def req(i, n, rng, client):
            lat0, lat1, lng0, lng1 = rng.choice(setup.boxes)
            category, text = rng.choice(REPORT_TEXTS)
            body = {
                "category": category,
                "description": text,
                "lat": round(rng.uniform(lat0, lat1), 6),
                "lng": round(rng.uniform(lng0, lng1), 6),
                "client_id": f"bench-{run_id}-{i}-{n}",
            }
            return client.request("POST", "/api/v1/cases", body)

        return "reports (POST /cases)", lambda i: Client(a.base, tokens[i % len(tokens)]), req
    if phase == "first":

        def req(i, n, rng, client):
            return client.request("GET", setup.list_path)

        return "first page (limit 20)", lambda i: Client(a.base, setup.staff_token), req
    if phase == "page50":
        cursors = setup.page50_cursors()

        def req(i, n, rng, client):
            cursor = cursors[(i + n) % len(cursors)]
            return client.request("GET", setup.list_path + "&cursor=" + urllib.parse.quote(cursor))

        label = "page 50 (limit 20)" if len(cursors) == 1 else f"pages 50-{49 + len(cursors)} (limit 20)"
        return label, lambda i: Client(a.base, setup.staff_token), req
    if phase == "dup":
        points = setup.open_cases()
        tokens = setup.residents()

        def req(i, n, rng, client):
            lat, lng, category = rng.choice(points)
            # Within about 30 m of the open case.
            body = {
                "category": category,
                "lat": lat + rng.uniform(-0.00027, 0.00027),
                "lng": lng + rng.uniform(-0.0003, 0.0003),
                "text": DUP_TEXTS.get(category, "村口的路灯坏了，晚上很黑"),
            }
            return client.request("POST", "/api/v1/cases/duplicates", body)

        return "duplicates", lambda i: Client(a.base, tokens[i % len(tokens)]), req
    raise ValueError(phase)


def run_phase(setup, phase):
    a = setup.args
    label, client_for, req = make_phase(setup, phase)
    lock = threading.Lock()
    latencies, statuses = [], {}
    extra = {"dup_found": 0}
    state = {"recording": False, "stop": False, "issued": 0}

    def worker(i):
        rng = random.Random(a.seed * 1000 + i)
        client = client_for(i)
        n = 0
        local_lat, local_status, found = [], {}, 0
        while not state["stop"]:
            if a.requests and state["recording"]:
                with lock:
                    if state["issued"] >= a.requests:
                        break
                    state["issued"] += 1
            recording = state["recording"]
            status, body, elapsed = req(i, n, rng, client)
            n += 1
            if recording:
                local_lat.append(elapsed)
                local_status[status] = local_status.get(status, 0) + 1
                if phase == "dup" and status == 200 and body and body.get("items"):
                    found += 1
        with lock:
            extra["dup_found"] += found
            latencies.extend(local_lat)
            for s, k in local_status.items():
                statuses[s] = statuses.get(s, 0) + k

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(a.concurrency)]
    for t in threads:
        t.start()
    time.sleep(a.warmup)
    state["recording"] = True
    start = time.perf_counter()
    if a.requests:
        while any(t.is_alive() for t in threads) and state["issued"] < a.requests:
            time.sleep(0.05)
        for t in threads:
            t.join()
    else:
        time.sleep(a.duration)
        state["stop"] = True
        for t in threads:
            t.join()
    wall = time.perf_counter() - start
    state["stop"] = True
    return summarise(label, phase, latencies, statuses, wall, extra)


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summarise(label, phase, latencies, statuses, wall, extra):
    lat = sorted(x * 1000.0 for x in latencies)
    ok = sum(k for s, k in statuses.items() if 200 <= s < 300)
    errors = {s: k for s, k in statuses.items() if not 200 <= s < 300}
    row = {
        "phase": phase,
        "label": label,
        "requests": len(lat),
        "ok": ok,
        "errors": errors,
        "seconds": round(wall, 2),
        "rps": round(len(lat) / wall, 1) if wall > 0 else 0.0,
        "p50": round(pct(lat, 50), 2),
        "p90": round(pct(lat, 90), 2),
        "p99": round(pct(lat, 99), 2),
        "max": round(lat[-1], 2) if lat else float("nan"),
    }
    if phase == "dup":
        row["with_candidates"] = extra["dup_found"]
    return row


def print_table(rows, title):
    print()
    print(title)
    head = f"{'phase':<24} {'requests':>8} {'errors':>12} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        errs = ",".join(f"{s}:{k}" for s, k in sorted(r["errors"].items())) or "0"
        print(
            f"{r['label']:<24} {r['requests']:>8} {errs:>12} {r['rps']:>8} {r['p50']:>8} {r['p90']:>8} "
            f"{r['p99']:>8} {r['max']:>8}"
        )
    for r in rows:
        if "with_candidates" in r:
            print(f"  duplicates: {r['with_candidates']} of {r['requests']} answers had candidates")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", default="http://127.0.0.1:18800", help="server base URL")
    p.add_argument("--phase", default="all", choices=["all", "report", "first", "page50", "dup"], nargs="+")
    p.add_argument("-c", "--concurrency", type=int, default=8, help="connections/threads (default 8)")
    p.add_argument("-d", "--duration", type=float, default=30.0, help="recorded seconds per phase (default 30)")
    p.add_argument("-n", "--requests", type=int, default=0, help="recorded requests per phase instead of a duration")
    p.add_argument("--warmup", type=float, default=3.0, help="unrecorded seconds first (default 3)")
    p.add_argument("--staff-user", default="demo-township", help="who reads the township list")
    p.add_argument("--password", default="yishi-demo-2026")
    p.add_argument("--township", help="township id or name (default 杏子铺镇, the demo township officer's)")
    p.add_argument("--page50-cursors", type=int, default=1, help="k: time pages 50..50+k-1 (default 1)")
    p.add_argument("--dup-points", type=int, default=300, help="open cases to ask duplicates around")
    p.add_argument("--residents", type=int, default=12, help="demo residents used (tokens)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--label", default="", help="a title for the table, e.g. 100k")
    p.add_argument("--json", help="append the rows as JSON lines to this file")
    a = p.parse_args()
    phases = ["first", "page50", "dup", "report"] if "all" in a.phase else a.phase

    setup = Setup(a)
    print(
        f"server {a.base}; township {setup.township['name']} ({setup.township['id']}); "
        f"concurrency {a.concurrency}; "
        + (f"{a.requests} requests" if a.requests else f"{a.duration:g}s")
        + f" per phase after {a.warmup:g}s warm-up",
        flush=True,
    )
    rows = []
    for phase in phases:
        print(f"- {phase} ...", flush=True)
        row = run_phase(setup, phase)
        row["label_run"] = a.label
        rows.append(row)
        print(
            f"  {row['requests']} requests, {row['rps']}/s, p50 {row['p50']} ms, p99 {row['p99']} ms",
            flush=True,
        )
    print_table(rows, f"cases benchmark {a.label}".strip())
    if a.json:
        with open(a.json, "a", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

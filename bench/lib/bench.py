#!/usr/bin/env python3
"""Glue for bench/run: everything that is easier in Python than in bash, and nothing that
generates load (wrk does that; see bench/lua/).

Subcommands:
  free-port                       print a free TCP port on 127.0.0.1
  requests   ...                  N sequential keep-alive requests (the round-trip counting
                                  pass: exact request counts, statuses checked)
  log-count  LOG FROM TO DB       statements PostgreSQL logged (log_statement=all) for DB
                                  between two byte offsets of its log
  redis-calls URL                 total commands a Redis served (INFO commandstats), INFO excluded
  pgscript   LOG FROM TO DB ...   the statements one request ran, as a pgbench script
  wrk-json   FILE                 the BENCH_JSON line of a wrk run (from bench/lua/common.lua)
  render     ...                  bench/results/LABEL.md and bench/RESULTS.md from the run's data
"""

import argparse
import datetime
import glob
import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.parse


def die(msg):
    print(f"bench.py: {msg}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- small helpers


def cmd_free_port(_args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def cmd_requests(args):
    """Sequential requests over one keep-alive connection; fails on any non-2xx."""
    u = urllib.parse.urlsplit(args.base)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
    tokens = [t for t in (args.tokens or "").split(",") if t]
    boxes = [tuple(float(x) for x in b.split(",")) for b in (args.boxes or "").split(";") if b]
    texts = [
        ("road", "村口的路灯坏了，晚上很黑，老人走路不安全"),
        ("water", "自来水管破裂了，水一直往外冒"),
        ("sanitation", "垃圾池满了好几天没人清运"),
    ]
    import random

    client_ids = []
    for i in range(args.n):
        headers = {"Accept": "application/json"}
        token = tokens[i % len(tokens)] if tokens else ""
        if token:
            headers["Authorization"] = "Bearer " + token
        body = None
        if args.method == "POST":
            b = random.choice(boxes)
            cat, text = texts[i % len(texts)]
            cid = args.client_id if (args.client_id and args.n == 1) else f"count-{args.nonce}-{i}"
            client_ids.append(cid)
            body = json.dumps(
                {
                    "category": cat,
                    "description": text,
                    "lat": round(b[0] + random.random() * (b[1] - b[0]), 6),
                    "lng": round(b[2] + random.random() * (b[3] - b[2]), 6),
                    "client_id": cid,
                },
                ensure_ascii=False,
            ).encode()
            headers["Content-Type"] = "application/json"
        conn.request(args.method, u.path.rstrip("/") + args.path, body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        if not 200 <= resp.status < 300:
            die(f"{args.method} {args.path}: HTTP {resp.status} {raw[:300]!r}")
    conn.close()
    if args.print_client_ids:
        print("\n".join(client_ids))


def cmd_redis_calls(args):
    """Sum of calls over INFO commandstats, leaving out INFO itself (our own probes)."""
    u = urllib.parse.urlsplit(args.url)
    s = socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=10)
    s.sendall(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        m = re.match(rb"\$(\d+)\r\n", data)
        if m and len(data) >= m.end() + int(m.group(1)):
            break
    s.close()
    total = 0
    for line in data.decode().splitlines():
        m = re.match(r"cmdstat_([^:]+):calls=(\d+)", line)
        if m and m.group(1) not in ("info",):
            total += int(m.group(2))
    print(total)


# ---------------------------------------------------------------- PostgreSQL's log

# log_line_prefix '%m [%p] %q%u@%d ' (Debian's default) or anything that starts '%m [%p] '.
ENTRY = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+) \[(\d+)\] (?:(\S*)@(\S*) )?([A-Z]+):  (.*)$"
)


def log_entries(path, start, end):
    """(pid, user, db, level, text) for each entry, continuation lines joined with newlines."""
    with open(path, "rb") as f:
        f.seek(start)
        raw = f.read(max(0, end - start))
    cur = None
    for line in raw.decode("utf-8", "replace").split("\n"):
        m = ENTRY.match(line)
        if m:
            if cur:
                yield cur
            cur = [m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)]
        elif cur is not None:
            cur[4] += "\n" + (line[1:] if line.startswith("\t") else line)
    if cur:
        yield cur


STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (.*)$", re.S)


def statements(path, start, end, db, pids=None):
    """[(pid, sql, params)] in log order; params from the DETAIL line that follows an execute."""
    out = []
    last_by_pid = {}
    for pid, _user, dbname, level, text in log_entries(path, start, end):
        if dbname is not None and dbname != db:
            continue
        if dbname is None and pids is not None and pid not in pids:
            continue
        if level == "LOG":
            m = STATEMENT.match(text)
            if m:
                item = [pid, m.group(1).strip(), {}]
                out.append(item)
                last_by_pid[pid] = item
        elif level == "DETAIL" and text.startswith("parameters: ") and pid in last_by_pid:
            params = {}
            for pm in re.finditer(r"\$(\d+) = (NULL|'(?:[^']|'')*')", text[len("parameters: "):], re.S):
                v = pm.group(2)
                params[int(pm.group(1))] = None if v == "NULL" else v[1:-1].replace("''", "'")
            last_by_pid[pid][2] = params
    return out


def cmd_log_count(args):
    pids = set(args.pids.split(",")) if args.pids else None
    print(len(statements(args.log, args.start, args.end, args.db, pids)))


# ---------------------------------------------------------------- pgbench script

ID_COLUMNS = {"id"}


def _insert_columns(sql):
    """For INSERT INTO t (c1, c2, ...) VALUES (...), (...): {param number: column name}."""
    m = re.match(r'\s*INSERT\s+INTO\s+("?[\w.]+"?)\s*\(([^)]*)\)\s*VALUES\s*(.*)$', sql, re.S | re.I)
    if not m:
        return None, {}
    cols = [c.strip().strip('"') for c in m.group(2).split(",")]
    rest = m.group(3)
    tuples, depth, cur, i = [], 0, "", 0
    while i < len(rest):
        ch = rest[i]
        if depth == 0:
            if ch == "(":
                depth, cur = 1, ""
            elif ch not in " ,\n\t":
                break  # ON CONFLICT / RETURNING
        else:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    tuples.append(cur)
                    i += 1
                    continue
            cur += ch
        i += 1
    mapping = {}
    for t in tuples:
        parts = [p.strip() for p in t.split(",")]
        for col, part in zip(cols, parts):
            pm = re.fullmatch(r"\$(\d+)", part)
            if pm:
                mapping[int(pm.group(1))] = col
    return m.group(1).strip('"'), mapping


def _literal(v):
    """A SQL literal for a logged parameter: untyped like a parameter, so the statement types
    it the same way. pgbench -M prepared takes ':name' for a variable anywhere in the text,
    even inside quotes, so a colon that could start a name is written as an E'' escape."""
    if v is None:
        return "NULL"
    body = v.replace("'", "''")
    if re.search(r":[A-Za-z0-9_\x80-\U0010ffff]", v):
        body = body.replace("\\", "\\\\").replace(":", "\\x3a")
        return "E'" + body + "'"
    return "'" + body + "'"


def cmd_pgscript(args):
    pids = set(args.pids.split(",")) if args.pids else None
    stmts = statements(args.log, args.start, args.end, args.db, pids)
    if not stmts:
        die("no statement was logged for the captured request (is log_statement=all on the bench database?)")
    fresh = set(v for v in (args.random_value or []) if v)
    for _pid, sql, params in stmts:
        _table, cols = _insert_columns(sql)
        for n, col in cols.items():
            v = params.get(n)
            if v is not None and (col in ID_COLUMNS or col in (args.random_column or [])):
                fresh.add(v)
    var_of = {}
    for v in sorted(fresh):
        var_of[v] = f"r{len(var_of) + 1}"
    lines = [
        "-- The statements one POST /api/v1/cases ran, captured by bench/run from PostgreSQL's",
        "-- log (log_statement=all), with the logged parameters written in as literals. Values the",
        "-- request created (primary keys of inserted rows, the client_id) are pgbench variables,",
        "-- random per transaction, so every transaction inserts new rows as the route does.",
        f"-- {len(stmts)} statements; run with: pgbench -n -M prepared -f THIS_FILE",
    ]
    for v, name in var_of.items():
        lines.append(f"\\set {name} random(1000000000000, 9000000000000000000)")
    for _pid, sql, params in stmts:

        def sub(m):
            n = int(m.group(1))
            if n not in params:
                die(f"statement uses ${n} but no such parameter was logged: {sql[:200]}")
            v = params[n]
            if v is not None and v in var_of:
                return ":" + var_of[v]
            return _literal(v)

        text = re.sub(r"\$(\d+)", sub, sql)
        text = " ".join(text.split("\n"))
        if not text.rstrip().endswith(";"):
            text += ";"
        lines.append(text)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    kinds = {}
    for _pid, sql, _ in stmts:
        k = sql.split(None, 1)[0].upper() if sql.strip() else "?"
        kinds[k] = kinds.get(k, 0) + 1
    print(json.dumps({"statements": len(stmts), "random_values": len(var_of), "by_kind": kinds}))


def cmd_wrk_json(args):
    with open(args.file, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("BENCH_JSON "):
                print(line[len("BENCH_JSON "):].strip())
                return
    die(f"no BENCH_JSON line in {args.file} (did wrk run the bench/lua script?)")


# ---------------------------------------------------------------- rendering


def _num(v, fmt="{:,.0f}"):
    if v is None or v == "":
        return "—"
    if isinstance(v, str):
        return v
    return fmt.format(v)


def _rt(v):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    return f"{v:.2f}".rstrip("0").rstrip(".") if abs(v - round(v)) > 1e-9 else f"{round(v)}"


def render_section(run):
    meta = run["meta"]
    out = []
    title = f"## {meta['label']} — commit {meta['commit']} ({meta['finished']})"
    code = meta.get("code_commit")
    out.append(title)
    out.append("")
    if code and not meta["commit"].startswith(code):
        out.append(f"The server's code (everything outside `bench/`) last changed in {code}.")
        out.append("")
    if meta.get("smoke"):
        out.append(
            "**Smoke run: these numbers are not meaningful.** It checked the harness end to end with short "
            f"durations ({meta['warmup']} s warm-up, {meta['duration']} s measured per route, "
            f"{meta['count']} requests per route for the round-trip counts)."
        )
        out.append("")
    if meta.get("note"):
        out.append(meta["note"])
        out.append("")
    m = meta["machine"]
    out.append(f"Command: `{meta['command']}`")
    if meta.get("binary"):
        out.append("")
        out.append(f"Server binary given with `--bin`: `{meta['binary']}` (not necessarily a release build).")
    out.append("")
    out.append(
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem']} memory, {m['kernel']}; {m['rustc']}; "
        f"{m['postgres']}; Redis {m['redis']}; {m['wrk']}; pgbench {m['pgbench']}. "
        f"Load average at start {m['loadavg_start']}; other compiler processes (rustc) seen before "
        f"the measurements: up to {meta.get('busy_max', '?')}."
    )
    out.append("")
    out.append(
        f"wrk: {meta['threads']} threads, {meta['connections']} connections, {meta['warmup']} s warm-up then "
        f"{meta['duration']} s per route; server, database, Redis and wrk on the same machine."
    )
    out.append("")
    for backend in run["backends"]:
        b = run["backends"][backend]
        out.append(f"### {b['title']}")
        out.append("")
        if b.get("data"):
            out.append(b["data"])
            out.append("")
        counted = any(r.get("sql") is not None or r.get("redis") is not None for r in b["routes"])
        counted_redis = lambda r: (  # noqa: E731
            _rt(r.get("redis")) + (f" ({_rt(r['redis_commands'])})" if r.get("redis_commands") is not None else "")
            if r.get("redis") is not None else "—"
        )
        head = "| route | req/s | p50 ms | p99 ms | bytes/response | errors |"
        sep = "| --- | ---: | ---: | ---: | ---: | ---: |"
        if counted:
            head += " SQL / request | Redis round trips (commands) / request |"
            sep += " ---: | ---: |"
        out.append(head)
        out.append(sep)
        for r in b["routes"]:
            w = r.get("wrk") or {}
            errors = sum(w.get(k, 0) for k in ("errors_status", "errors_connect", "errors_read", "errors_write", "errors_timeout")) if w else None
            row = (
                f"| {r['name']} | {_num(w.get('rps'))} | {_num(w.get('p50_ms'), '{:.2f}')} | "
                f"{_num(w.get('p99_ms'), '{:.2f}')} | {_num(w.get('bytes_per_response'))} | {_num(errors)} |"
            )
            if counted:
                row += f" {_rt(r.get('sql'))} | {counted_redis(r)} |"
            out.append(row)
        out.append("")
        for extra in b.get("notes", []):
            out.append(extra)
            out.append("")
    return "\n".join(out)


READS = ("GET /api/v1/me", "GET /api/v1/cases?limit=20", "GET /api/v1/cases/{id}", "GET /api/v1/me/notifications")


def goals(run):
    """Issue 10's goals, each with what this run measured: [(goal, measured, met)]."""
    out = []
    bs = run["backends"]
    pg, sq = bs.get("pg"), bs.get("sqlite")

    def reads(b, last_list=True):
        rows = [r for r in b["routes"] if r["name"].startswith(READS) and r.get("wrk")]
        if last_list:  # SQLite's list is measured at two sizes: the goal is at the larger
            lists = [r for r in rows if r["name"].startswith("GET /api/v1/cases?limit=20")]
            rows = [r for r in rows if r not in lists[:-1]]
        return rows

    if pg:
        rs = reads(pg)
        if rs:
            worst = min(rs, key=lambda r: r["wrk"]["rps"])
            worst99 = max(rs, key=lambda r: r["wrk"]["p99_ms"])
            out.append(("PostgreSQL reads ≥ 8,000 req/s", f"lowest {worst['wrk']['rps']:,.0f} ({worst['name']})", worst["wrk"]["rps"] >= 8000))
            out.append(("PostgreSQL reads p99 ≤ 20 ms", f"highest {worst99['wrk']['p99_ms']:.1f} ms ({worst99['name']})", worst99["wrk"]["p99_ms"] <= 20))
        post = next((r for r in pg["routes"] if r["name"].startswith("POST /api/v1/cases") and r.get("wrk")), None)
        if post:
            w = post["wrk"]
            out.append(("POST /cases ≥ 1,500 req/s, p99 ≤ 50 ms", f"{w['rps']:,.0f} req/s, p99 {w['p99_ms']:.1f} ms", w["rps"] >= 1500 and w["p99_ms"] <= 50))
            tps = run.get("facts", {}).get("pg", {}).get("pgbench_route_tps")
            if tps:
                out.append(("POST /cases ≥ 0.6 of pgbench on its statements", f"{w['rps'] / tps:.2f}", w["rps"] / tps >= 0.6))
        kb = run.get("facts", {}).get("pg", {}).get("vmhwm_kb")
        if kb:
            out.append(("Peak memory ≤ 150 MB (PostgreSQL run)", f"{kb / 1024:.0f} MB", kb / 1024 <= 150))
    if sq:
        rs = reads(sq)
        if rs:
            worst = min(rs, key=lambda r: r["wrk"]["rps"])
            out.append(("SQLite reads ≥ 5,000 req/s", f"lowest {worst['wrk']['rps']:,.0f} ({worst['name']})", worst["wrk"]["rps"] >= 5000))
        f = run.get("facts", {}).get("sqlite", {})
        if f.get("list_10k") and f.get("list_100k"):
            r99 = f["list_100k"]["p99_ms"] / f["list_10k"]["p99_ms"]
            rps = f["list_10k"]["rps"] / f["list_100k"]["rps"]
            out.append(("SQLite case list within 1.5× from 10k to 100k", f"p99 × {r99:.2f}, req/s ÷ {rps:.2f}", r99 <= 1.5 and rps <= 1.5))
        post = next((r for r in sq["routes"] if r["name"].startswith("POST /api/v1/cases") and r.get("wrk")), None)
        if post:
            out.append(("SQLite writes p99 ≤ 100 ms", f"{post['wrk']['p99_ms']:.1f} ms", post["wrk"]["p99_ms"] <= 100))
        kb = f.get("vmhwm_kb")
        if kb:
            out.append(("Peak memory ≤ 150 MB (SQLite run)", f"{kb / 1024:.0f} MB", kb / 1024 <= 150))
    return out


def render_goals(run):
    g = goals(run)
    if not g:
        return ""
    lines = ["### Goals of issue 10, as this run measured them", "", "| goal | measured | met |", "| --- | --- | --- |"]
    for goal, measured, met in g:
        lines.append(f"| {goal} | {measured} | {'yes' if met else '**no**'} |")
    return "\n".join(lines)


def render_comparison(before, after):
    """A before → after table of every route both runs measured."""
    lines = [
        f"## {before['meta']['label']} → {after['meta']['label']}",
        "",
        f"{before['meta']['commit']} → {after['meta']['commit']}.",
        "",
        "| backend | route | req/s | p99 ms | SQL / request | Redis round trips / request |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, b in after["backends"].items():
        bb = before["backends"].get(key)
        if not bb:
            continue
        for r in b["routes"]:
            o = next((x for x in bb["routes"] if x["name"] == r["name"]), None)
            if not o:
                continue
            w, ow = r.get("wrk") or {}, o.get("wrk") or {}
            lines.append(
                f"| {b['title']} | {r['name']} | {_num(ow.get('rps'))} → {_num(w.get('rps'))} | "
                f"{_num(ow.get('p99_ms'), '{:.1f}')} → {_num(w.get('p99_ms'), '{:.1f}')} | "
                f"{_rt(o.get('sql'))} → {_rt(r.get('sql'))} | {_rt(o.get('redis'))} → {_rt(r.get('redis'))} |"
            )
    return "\n".join(lines)


def cmd_render(args):
    runs = []
    for path in glob.glob(os.path.join(args.results_dir, "*.json")):
        with open(path) as f:
            runs.append(json.load(f))
    runs.sort(key=lambda r: (r["meta"]["label"] != "before", r["meta"]["finished"]))
    with open(args.intro) as f:
        intro = f.read().rstrip() + "\n"
    parts = [intro]
    before = next((r for r in runs if r["meta"]["label"] == "before"), None)
    # One before → LABEL table per later run (after, after2, …), in the order they finished.
    for after in runs:
        if before and after is not before and after["meta"]["label"] != "smoke":
            parts.append(render_comparison(before, after))
    for run in runs:
        section = render_section(run)
        g = render_goals(run)
        if g:
            section = section.rstrip() + "\n\n" + g
        with open(os.path.join(args.results_dir, run["meta"]["label"] + ".md"), "w") as f:
            f.write(section + "\n")
        parts.append(section)
    with open(args.out, "w") as f:
        f.write("\n\n".join(parts).rstrip() + "\n")


def cmd_assemble(args):
    """Builds bench/results/LABEL.json from the run directory's pieces."""
    run_dir = args.run_dir
    with open(os.path.join(run_dir, "meta.json")) as f:
        meta = json.load(f)
    meta["finished"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    busy = []
    if os.path.exists(os.path.join(run_dir, "busy.txt")):
        busy = [int(x) for x in open(os.path.join(run_dir, "busy.txt")).read().split() if x.strip().isdigit()]
    meta["busy_max"] = max(busy) if busy else 0
    rows = []
    if os.path.exists(os.path.join(run_dir, "rows.jsonl")):
        with open(os.path.join(run_dir, "rows.jsonl")) as f:
            rows = [json.loads(l) for l in f if l.strip()]
    facts = {}
    if os.path.exists(os.path.join(run_dir, "facts.jsonl")):
        with open(os.path.join(run_dir, "facts.jsonl")) as f:
            for l in f:
                if l.strip():
                    d = json.loads(l)
                    facts.setdefault(d["backend"], {})[d["key"]] = d["value"]
    backends = {}
    titles = {"pg": "PostgreSQL + Redis", "sqlite": "SQLite + in-process store"}
    for r in rows:
        b = backends.setdefault(r["backend"], {"title": titles.get(r["backend"], r["backend"]), "routes": [], "notes": []})
        existing = next((x for x in b["routes"] if x["name"] == r["name"]), None)
        if existing is None:
            existing = {"name": r["name"]}
            b["routes"].append(existing)
        for k in ("wrk", "sql", "redis", "redis_commands"):
            if k in r:
                existing[k] = r[k]
    for name, b in backends.items():
        f = facts.get(name, {})
        if "data" in f:
            b["data"] = f["data"]
        if name == "pg":
            notes = []
            if f.get("count_method"):
                notes.append(
                    f"Round trips: {f['count_method']}, over {meta['count']} sequential requests per route on a "
                    "server started for counting (dispatcher every 60 s, so the request path is counted alone). "
                    "Redis round trips are counted by a proxy between that server and Redis (`bench/lib/turns.py`: "
                    "a round trip starts whenever the client sends after a reply, so a pipeline or a Lua script is "
                    "one); in parentheses, the commands Redis ran (INFO commandstats, which also counts the "
                    "commands a Lua script runs). Idle background in that window: "
                    f"{_rt(f.get('idle_sql_per_s'))} SQL/s, {_rt(f.get('idle_redis_per_s'))} Redis round trips/s."
                )
            if f.get("dispatch_sql_per_report") is not None:
                notes.append(
                    f"The dispatcher's work for what those reports enqueued, counted separately at its next pass: "
                    f"{_rt(f['dispatch_sql_per_report'])} SQL and {_rt(f.get('dispatch_redis_per_report'))} Redis round trips "
                    f"per report ({f.get('outbox_per_report', '?')} outbox rows per report)."
                )
            if f.get("pgbench_route_tps") is not None:
                route = next((x for x in b["routes"] if x["name"].startswith("POST /api/v1/cases")), None)
                rps = (route or {}).get("wrk", {}).get("rps")
                ratio = (rps / f["pgbench_route_tps"]) if rps and f["pgbench_route_tps"] else None
                st = f.get("pgbench_route_statements") or {}
                notes.append(
                    f"pgbench on the statements `POST /api/v1/cases` ran, captured with log_statement from one "
                    f"report per grid ({st.get('scripts', '?')} scripts, {st.get('min', '?')}–{st.get('max', '?')} "
                    f"statements, {_num(st.get('mean'), '{:.1f}')} on average; `bench/results/{meta['label']}-pgbench/`), "
                    f"run with equal weights by `pgbench -n -M prepared -c {meta['connections']} -j {meta['threads']} "
                    f"-T {meta['duration']}`: **{_num(f['pgbench_route_tps'])} tps** (average latency "
                    f"{_num(f.get('pgbench_route_latency_ms'), '{:.2f}')} ms); the route's {_num(rps)} req/s is "
                    f"**{_num(ratio, '{:.2f}')}** of it."
                )
            elif f.get("pgbench_route_error"):
                notes.append(f"pgbench on the captured statements did not run: {f['pgbench_route_error']}")
            if f.get("pgbench_select_tps") is not None:
                notes.append(
                    f"For scale, `pgbench -S -M prepared` (a primary-key read, scale {f.get('pgbench_scale')}, "
                    f"{meta['connections']} connections, {meta['duration']} s): {_num(f['pgbench_select_tps'])} tps."
                )
            b["notes"] = notes + b["notes"]
        if name == "sqlite" and f.get("list_10k") and f.get("list_100k"):
            a, c = f["list_10k"], f["list_100k"]
            b["notes"].append(
                f"Case list (township) at {f.get('cases_10k', '10k')} cases: {_num(a['rps'])} req/s, p50 "
                f"{a['p50_ms']:.2f} ms, p99 {a['p99_ms']:.2f} ms; at {f.get('cases_100k', '100k')}: "
                f"{_num(c['rps'])} req/s, p99 {c['p99_ms']:.2f} ms. 100k/10k: req/s × "
                f"{c['rps'] / a['rps']:.2f}, p50 × {c['p50_ms'] / a['p50_ms']:.2f}, p99 × {c['p99_ms'] / a['p99_ms']:.2f} "
                "(goal: within 1.5×)."
            )
        if f.get("vmhwm_kb") is not None:
            b["notes"].append(f"Peak server memory (VmHWM after the loads): {f['vmhwm_kb'] / 1024:.1f} MB.")
    meta["backend_order"] = [k for k in ("pg", "sqlite") if k in backends]
    out = {"meta": meta, "backends": {k: backends[k] for k in meta["backend_order"]}, "rows": rows, "facts": facts}
    with open(args.out, "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)


def main():
    p = argparse.ArgumentParser()
    sp = p.add_subparsers(dest="cmd", required=True)
    sp.add_parser("free-port").set_defaults(fn=cmd_free_port)
    r = sp.add_parser("requests")
    r.add_argument("--base", required=True)
    r.add_argument("--path", required=True)
    r.add_argument("--method", default="GET")
    r.add_argument("--tokens", default="")
    r.add_argument("--boxes", default="")
    r.add_argument("-n", type=int, default=100)
    r.add_argument("--nonce", default=str(int(time.time())))
    r.add_argument("--client-id")
    r.add_argument("--print-client-ids", action="store_true")
    r.set_defaults(fn=cmd_requests)
    r = sp.add_parser("redis-calls")
    r.add_argument("url")
    r.set_defaults(fn=cmd_redis_calls)
    for name, fn in (("log-count", cmd_log_count), ("pgscript", cmd_pgscript)):
        r = sp.add_parser(name)
        r.add_argument("log")
        r.add_argument("start", type=int)
        r.add_argument("end", type=int)
        r.add_argument("db")
        r.add_argument("--pids", default="")
        if name == "pgscript":
            r.add_argument("--out", required=True)
            r.add_argument("--random-value", action="append")
            r.add_argument("--random-column", action="append")
        r.set_defaults(fn=fn)
    r = sp.add_parser("wrk-json")
    r.add_argument("file")
    r.set_defaults(fn=cmd_wrk_json)
    r = sp.add_parser("assemble")
    r.add_argument("run_dir")
    r.add_argument("--out", required=True)
    r.set_defaults(fn=cmd_assemble)
    r = sp.add_parser("render")
    r.add_argument("--results-dir", required=True)
    r.add_argument("--intro", required=True)
    r.add_argument("--out", required=True)
    r.set_defaults(fn=cmd_render)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Drive Yishi's Open311 GeoReport v2 endpoint with third-party client libraries.

Acceptance check: Open311 client libraries written by others work unmodified
against `{BASE}/open311/v2`:

  * `georeport` (PyPI) lists services and reads requests, in JSON and in XML;
  * `three` (PyPI) posts a form-encoded request with `api_key` and reads its
    token (Python-2-era code: the only shim is `itertools.ifilter = filter`);
  * errors come back as `[{code, description}]` with a 4xx status.

Usage (with the venv built from requirements.txt in this folder):

    python clients.py --base http://127.0.0.1:8080 --api-key KEY \
        --service-code CODE --lat 30.1 --long 120.1 [--request-id ID]

Prints one "ok: ..." line per step; on the first failure prints
"FAIL: <step>: <reason>" to stderr and exits with status 1.
"""
import argparse
import datetime as dt
import itertools
import os
import sys
import time
import uuid
from urllib.parse import urlsplit

# --- shims (no package is modified) -------------------------------------------------
# `three` does `from itertools import ifilter` (Python 2 only).
itertools.ifilter = filter

import requests  # noqa: E402  (dependency of both libraries; used for HTTPError)
import xmltodict  # noqa: E402  (dependency of georeport; used to parse XML error bodies)
from georeport import GeoReport  # noqa: E402
from three import Three  # noqa: E402


class Failure(Exception):
    pass


STEP = ["startup"]


def step(name):
    STEP[0] = name


def ok(msg):
    print("ok: %s" % msg, flush=True)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def as_list(x):
    """xmltodict yields a dict for a single child element, a list for several, None for none."""
    if x is None:
        return []
    if isinstance(x, list):
        return x
    return [x]


def same_id(a, b):
    return a is not None and b is not None and str(a).strip() == str(b).strip()


def parse_w3c(s, what):
    check(isinstance(s, str) and s, "%s: expected a W3C datetime string, got %r" % (what, s))
    try:
        d = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise Failure("%s: not a W3C/ISO 8601 datetime: %r" % (what, s))
    check(d.tzinfo is not None, "%s: datetime without timezone: %r" % (what, s))
    return d


def http_error_body(exc):
    r = exc.response
    return "HTTP %s, body: %r" % (r.status_code, r.content[:500]) if r is not None else str(exc)


def check_json_errors(body, what):
    check(isinstance(body, list) and len(body) >= 1,
          "%s: error body must be a non-empty JSON array, got %r" % (what, body))
    for e in body:
        check(isinstance(e, dict), "%s: error entry not an object: %r" % (what, e))
        check(isinstance(e.get("code"), int) and not isinstance(e.get("code"), bool),
              "%s: error 'code' must be an integer, got %r" % (what, e.get("code")))
        check(isinstance(e.get("description"), str) and e["description"],
              "%s: error 'description' must be a non-empty string, got %r" % (what, e))


def check_xml_errors(content, what):
    try:
        doc = xmltodict.parse(content)
    except Exception as exc:
        raise Failure("%s: XML error body does not parse (%s): %r" % (what, exc, content[:300]))
    check("errors" in doc, "%s: XML error root must be <errors>, got %r" % (what, list(doc)))
    errs = as_list((doc["errors"] or {}).get("error"))
    check(errs, "%s: <errors> has no <error> child" % what)
    for e in errs:
        check(isinstance(e, dict), "%s: <error> has no children: %r" % (what, e))
        check(str(e.get("code") or "").strip().isdigit(),
              "%s: <error><code> must be an integer, got %r" % (what, e.get("code")))
        check(e.get("description"), "%s: <error><description> is empty" % what)


def check_service_request(r, fmt, rid, args, posted):
    """Validate one service request as returned by georeport (dict)."""
    check(isinstance(r, dict), "%s: request is not an object/element: %r" % (fmt, r))
    check(same_id(r.get("service_request_id"), rid),
          "%s: service_request_id %r != %r" % (fmt, r.get("service_request_id"), rid))
    check(r.get("status") in ("open", "closed"),
          "%s: status must be 'open' or 'closed', got %r" % (fmt, r.get("status")))
    check(r.get("service_code"), "%s: service_code missing" % fmt)
    parse_w3c(r.get("requested_datetime"), "%s requested_datetime" % fmt)
    if posted:
        check(str(r.get("service_code")) == args.service_code,
              "%s: service_code %r != %r" % (fmt, r.get("service_code"), args.service_code))
        if r.get("description") is not None:
            check(r["description"] == args.description,
                  "%s: description did not round-trip (charset?): %r != %r"
                  % (fmt, r["description"], args.description))
        for k, want in (("lat", args.lat), ("long", args.long)):
            got = r.get(k)
            check(got is not None, "%s: %s missing" % (fmt, k))
            try:
                # Public reads coarsen the location to about 100 m (three decimals).
                check(abs(float(got) - float(want)) < 0.0015, "%s: %s %r != %r" % (fmt, k, got, want))
            except (TypeError, ValueError):
                raise Failure("%s: %s not a number: %r" % (fmt, k, got))


def auto_attributes(definition, overrides):
    """Form fields attribute[code]=... for the service definition's required attributes."""
    out = {}
    for a in (definition or {}).get("attributes") or []:
        if not a.get("required") or a.get("variable") is False:
            continue
        code, dtype = a.get("code"), a.get("datatype")
        values = a.get("values") or []
        if dtype == "singlevaluelist" and values:
            out["attribute[%s]" % code] = str(values[0].get("key"))
        elif dtype == "multivaluelist" and values:
            out["attribute[%s][]" % code] = [str(values[0].get("key"))]
        elif dtype == "number":
            out["attribute[%s]" % code] = "1"
        elif dtype == "datetime":
            out["attribute[%s]" % code] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            out["attribute[%s]" % code] = "clients.py"
    for kv in overrides:
        k, _, v = kv.partition("=")
        out["attribute[%s]" % k] = v
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="server root, e.g. http://127.0.0.1:8080")
    p.add_argument("--api-key", required=True)
    p.add_argument("--service-code", required=True)
    p.add_argument("--lat", required=True)
    p.add_argument("--long", required=True)
    p.add_argument("--request-id", help="also read this existing request by id")
    p.add_argument("--jurisdiction", help="jurisdiction_id to send (both libraries)")
    p.add_argument("--attribute", action="append", default=[], metavar="CODE=VALUE",
                   help="extra attribute[CODE]=VALUE for the POST (repeatable)")
    p.add_argument("--token-wait", type=float, default=10.0,
                   help="seconds to wait for a token to resolve to a service_request_id")
    args = p.parse_args()
    args.description = "开放311客户端测试 clients.py %s" % uuid.uuid4().hex[:8]
    endpoint = args.base.rstrip("/") + "/open311/v2"

    # Keep all traffic on BASE even if the CI environment defines HTTP(S)_PROXY.
    host = urlsplit(args.base).hostname or ""
    for var in ("NO_PROXY", "no_proxy"):
        os.environ[var] = ",".join(x for x in (os.environ.get(var), host) if x)

    geo = {fmt: GeoReport(endpoint, jurisdiction=args.jurisdiction, output_format=fmt)
           for fmt in ("json", "xml")}
    three_kw = {"api_key": args.api_key}
    if args.jurisdiction:
        three_kw["jurisdiction"] = args.jurisdiction
    t3 = Three(endpoint, **three_kw)

    # --- discovery -----------------------------------------------------------------
    step("three discovery.json")
    d = t3.discovery()
    check(isinstance(d, dict), "discovery.json must be an object, got %r" % (d,))
    eps = d.get("endpoints")
    check(isinstance(eps, list) and eps, "discovery.json: 'endpoints' must be a non-empty array")
    for e in eps:
        check(e.get("specification") and e.get("url") and isinstance(e.get("formats"), list),
              "discovery.json: endpoint needs specification, url, formats[]: %r" % e)
    ok("three: GET discovery.json -> %d endpoint(s)" % len(eps))

    step("discovery.xml (raw: three's XML parser is broken on Python 3)")
    r = requests.get(endpoint + "/discovery.xml",
                     params={"jurisdiction_id": args.jurisdiction} if args.jurisdiction else None)
    check(r.status_code == 200, "HTTP %s: %r" % (r.status_code, r.content[:300]))
    doc = xmltodict.parse(r.content)
    check("discovery" in doc, "root element must be <discovery>, got %r" % list(doc))
    xeps = as_list(((doc["discovery"] or {}).get("endpoints") or {}).get("endpoint"))
    check(xeps and all(e.get("url") for e in xeps), "<discovery><endpoints><endpoint><url> missing")
    ok("raw: GET discovery.xml -> %d <endpoint>" % len(xeps))

    # --- (a) services --------------------------------------------------------------
    step("georeport services.json")
    services = geo["json"].get_service_list()
    check(isinstance(services, list), "services.json must be an array, got %r" % (services,))
    codes = [s.get("service_code") for s in services]
    check(args.service_code in codes, "service_code %r not in %r" % (args.service_code, codes))
    svc = services[codes.index(args.service_code)]
    for s in services:
        check(s.get("service_name"), "service without service_name: %r" % s)
        check(isinstance(s.get("metadata"), bool), "metadata must be a JSON boolean: %r" % s)
        check(s.get("type") in ("realtime", "batch", "blackbox"), "bad service type: %r" % s)
    ok("georeport: GET services.json -> %d services, %r present" % (len(services), args.service_code))

    step("georeport services.xml")
    xservices = as_list(geo["xml"].get_service_list())
    xcodes = [s.get("service_code") for s in xservices]
    check(args.service_code in xcodes, "service_code %r not in %r" % (args.service_code, xcodes))
    check(sorted(xcodes) == sorted(codes), "XML codes %r != JSON codes %r" % (xcodes, codes))
    for s in xservices:
        check(s.get("metadata") in ("true", "false"), "<metadata> must be true/false: %r" % s)
    ok("georeport: GET services.xml -> %d <service>, %r present" % (len(xservices), args.service_code))

    step("georeport services/%s.json" % args.service_code)
    definition = geo["json"].get_service_definition(args.service_code)
    check(isinstance(definition, dict) and str(definition.get("service_code")) == args.service_code,
          "definition must be an object with service_code %r, got %r" % (args.service_code, definition))
    check(isinstance(definition.get("attributes"), list), "definition 'attributes' must be an array")
    ok("georeport: GET services/%s.json -> %d attribute(s) (metadata=%s)"
       % (args.service_code, len(definition["attributes"]), svc["metadata"]))

    step("georeport services/%s.xml" % args.service_code)
    xdef = geo["xml"].get_service_definition(args.service_code)
    check(isinstance(xdef, dict) and xdef.get("service_code") == args.service_code,
          "<service_definition><service_code> must be %r, got %r" % (args.service_code, xdef))
    xattrs = as_list((xdef.get("attributes") or {}).get("attribute"))
    check(len(xattrs) == len(definition["attributes"]),
          "XML has %d <attribute>, JSON %d" % (len(xattrs), len(definition["attributes"])))
    ok("georeport: GET services/%s.xml -> <service_definition> with %d <attribute>"
       % (args.service_code, len(xattrs)))

    # --- (b) three: POST a request -------------------------------------------------
    step("three POST requests.json")
    fields = {"lat": args.lat, "long": args.long, "description": args.description,
              "first_name": "测试", "last_name": "用户", "email": "clients-py@example.org"}
    fields.update(auto_attributes(definition, args.attribute))
    res = t3.post(args.service_code, **fields)
    status = t3.post_response.status_code
    check(status in (200, 201), "HTTP %s, body: %r" % (status, t3.post_response.content[:500]))
    check(isinstance(res, list) and len(res) == 1 and isinstance(res[0], dict),
          "POST response must be a one-element array of objects, got %r" % (res,))
    posted_id, token = res[0].get("service_request_id"), res[0].get("token")
    check(posted_id or token, "POST response has neither service_request_id nor token: %r" % res)
    ok("three: POST requests.json (form-encoded, api_key) -> HTTP %s, %s"
       % (status, "service_request_id=%s" % posted_id if posted_id else "token=%s" % token))

    if token and not posted_id:
        step("three tokens/%s.json" % token)
        deadline = time.time() + args.token_wait
        while True:
            tres = t3.token(str(token))
            check(t3._request.status_code == 200,
                  "HTTP %s, body: %r" % (t3._request.status_code, t3._request.content[:500]))
            check(isinstance(tres, list) and len(tres) == 1 and isinstance(tres[0], dict),
                  "token response must be a one-element array, got %r" % (tres,))
            posted_id = tres[0].get("service_request_id")
            if posted_id or time.time() > deadline:
                break
            time.sleep(0.5)
        check(posted_id, "token did not resolve to a service_request_id within %ss: %r"
              % (args.token_wait, tres))
        check(tres[0].get("token") is None or str(tres[0]["token"]) == str(token),
              "token echoed back differs: %r" % tres)
        ok("three: GET tokens/%s.json -> service_request_id=%s" % (token, posted_id))
    posted_id = str(posted_id)

    # --- (c) georeport: read requests ----------------------------------------------
    to_read = [(posted_id, True)]
    if args.request_id and str(args.request_id) != posted_id:
        to_read.append((str(args.request_id), False))
    for rid, posted in to_read:
        for fmt in ("json", "xml"):
            step("georeport requests/%s.%s" % (rid, fmt))
            req = geo[fmt].get_service_request(rid)
            check(not isinstance(req, list),
                  "requests/{id}.%s must hold exactly one request, got %r" % (fmt, req))
            check_service_request(req, fmt, rid, args, posted)
            ok("georeport: GET requests/%s.%s -> status=%s" % (rid, fmt, req["status"]))

    for fmt in ("json", "xml"):
        step("georeport requests.%s?service_code=%s" % (fmt, args.service_code))
        items = as_list(geo[fmt].get_service_requests(service_code=args.service_code))
        ids = [str(i.get("service_request_id")) for i in items]
        check(posted_id in ids, "posted request %s not in first page %r" % (posted_id, ids))
        check(all(str(i.get("service_code")) == args.service_code for i in items),
              "service_code filter not applied: %r" % [i.get("service_code") for i in items])
        ok("georeport: GET requests.%s?service_code=%s -> %d request(s), incl. %s"
           % (fmt, args.service_code, len(items), posted_id))

    wanted = [rid for rid, _ in to_read]
    for fmt in ("json", "xml"):
        step("georeport requests.%s?service_request_id=%s" % (fmt, ",".join(wanted)))
        items = as_list(geo[fmt].get_service_requests(service_request_id=",".join(wanted)))
        ids = sorted(str(i.get("service_request_id")) for i in items)
        check(ids == sorted(wanted), "expected exactly %r, got %r" % (sorted(wanted), ids))
        ok("georeport: GET requests.%s?service_request_id=%s -> %d request(s)"
           % (fmt, ",".join(wanted), len(items)))

    step("georeport requests.json?status=open&start_date&end_date")
    now = dt.datetime.now(dt.timezone.utc)
    fmt_d = "%Y-%m-%dT%H:%M:%SZ"
    items = geo["json"].get_service_requests(
        service_code=args.service_code, status="open",
        start_date=(now - dt.timedelta(days=1)).strftime(fmt_d),
        end_date=(now + dt.timedelta(days=1)).strftime(fmt_d))
    ids = [str(i.get("service_request_id")) for i in items]
    check(posted_id in ids, "posted (open) request %s not in %r" % (posted_id, ids))
    check(all(i.get("status") == "open" for i in items), "status filter not applied")
    items = geo["json"].get_service_requests(
        service_code=args.service_code, start_date="2001-01-01T00:00:00Z",
        end_date="2001-01-31T00:00:00Z")
    check(isinstance(items, list) and posted_id not in
          [str(i.get("service_request_id")) for i in items],
          "date filter not applied (2001 range returned %r)" % (items,))
    ok("georeport: GET requests.json with status/start_date/end_date filters")

    # --- (d) errors ----------------------------------------------------------------
    step("three POST with a wrong api_key")
    bad = Three(endpoint, **dict(three_kw, api_key="wrong-" + uuid.uuid4().hex))
    try:
        body = bad.post(args.service_code, lat=args.lat, description=args.description,
                        **{"long": args.long})
    except ValueError as exc:  # JSON decode error
        raise Failure("HTTP %s, body is not JSON (%s): %r"
                      % (bad.post_response.status_code, exc, bad.post_response.content[:300]))
    status = bad.post_response.status_code
    check(400 <= status < 500, "expected a 4xx status, got HTTP %s: %r"
          % (status, bad.post_response.content[:300]))
    check_json_errors(body, "wrong api_key")
    ok("three: POST requests.json with wrong api_key -> HTTP %s %r" % (status, body))

    missing = "no-such-request-" + uuid.uuid4().hex[:8]
    step("georeport requests/%s.json (unknown id)" % missing)
    try:
        geo["json"].get_service_request(missing)
        raise Failure("expected a 4xx error for an unknown request id")
    except requests.HTTPError as exc:
        r = exc.response
        check(r is not None and 400 <= r.status_code < 500, "expected 4xx: %s" % http_error_body(exc))
        try:
            check_json_errors(r.json(), "unknown id (json)")
        except ValueError:
            raise Failure("error body is not JSON: %s" % http_error_body(exc))
        ok("georeport: GET requests/%s.json -> HTTP %s [{code, description}]" % (missing, r.status_code))

    step("georeport requests/%s.xml (unknown id)" % missing)
    try:
        geo["xml"].get_service_request(missing)
        raise Failure("expected a 4xx error for an unknown request id")
    except requests.HTTPError as exc:
        r = exc.response
        check(r is not None and 400 <= r.status_code < 500, "expected 4xx: %s" % http_error_body(exc))
        check_xml_errors(r.content, "unknown id (xml)")
        ok("georeport: GET requests/%s.xml -> HTTP %s <errors><error>" % (missing, r.status_code))

    print("ok: all Open311 client checks passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Failure as exc:
        print("FAIL: %s: %s" % (STEP[0], exc), file=sys.stderr)
        sys.exit(1)
    except requests.HTTPError as exc:
        print("FAIL: %s: %s (%s)" % (STEP[0], exc, http_error_body(exc)), file=sys.stderr)
        sys.exit(1)
    except requests.RequestException as exc:
        print("FAIL: %s: cannot reach the server: %s" % (STEP[0], exc), file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # library blew up on the response shape
        print("FAIL: %s: %s: %s" % (STEP[0], type(exc).__name__, exc), file=sys.stderr)
        sys.exit(1)

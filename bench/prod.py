"""`make bench-prod`: the production stack of `make run-prod`, measured through nginx with wrk.

For each web-node count in BENCH_PROD_NODES ("1 2"): (re)start the stack with
`WEB_NODES=<n> scripts/run-prod.sh start`, run scripts/check-prod.sh (it fails loudly), then
drive https://127.0.0.1:8443 with `Host: <center>.localhost:8443` for every target below,
BENCH_PROD_CONNECTIONS connections for BENCH_PROD_SECONDS each after a warm-up:

  bare       /livez, the bare Django view (routing, middleware, tenant lookup, no page)
  home       the center's home page /
  guide      a guide page /guides/<code>/ of a matter the center offers
  search     /search/?q=<a word of that guide's title>
  progress   /progress/ (the lookup form, GET)
  cases_api  /api/v1/cases/ as the center's director, with a session made by logging in
             through nginx (session auth, as the desk's own screens)

The bare view runs first and last (its figure is the mean of both). The headline, guide / bare
(target >= 0.6), is the median over BENCH_PROD_PAIRS (3) back-to-back pairs of bare then guide
(BENCH_PROD_PAIR_SECONDS, 5 s each), which keeps it steady while other work on the machine
comes and goes. Results: bench/results/prod.json. The stack is stopped at
the end (BENCH_PROD_KEEP=1 leaves it running). Knobs: BENCH_PROD_NODES, BENCH_PROD_SECONDS
(10), BENCH_PROD_WARMUP (3), BENCH_PROD_CONNECTIONS (16), BENCH_PROD_THREADS (1),
BENCH_PROD_CENTER (hunnan), PROD_HTTPS_PORT (8443), GUNICORN_WORKERS (per node).
"""

from __future__ import annotations

import datetime as dt
import html
import http.client
import json
import os
import platform
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROD = ROOT / "var" / "prod"
RESULTS = ROOT / "bench" / "results" / "prod.json"
WRK_SCRIPT = ROOT / "bench" / "prod.lua"

NODES = [int(n) for n in os.environ.get("BENCH_PROD_NODES", "1 2").split()]
SECONDS = int(os.environ.get("BENCH_PROD_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_PROD_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_PROD_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_PROD_THREADS", "1"))
CENTER = os.environ.get("BENCH_PROD_CENTER", "hunnan")
PAIRS = int(os.environ.get("BENCH_PROD_PAIRS", "3"))
PAIR_SECONDS = int(os.environ.get("BENCH_PROD_PAIR_SECONDS", "5"))
PORT = int(os.environ.get("PROD_HTTPS_PORT", "8443"))
PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo-2026-center")
TARGET_RATIO = 0.6


def log(message: str) -> None:
    print(f"bench-prod: {message}", file=sys.stderr, flush=True)


class Site:
    """HTTPS to this machine's nginx for one host name (no certificate check: self-signed)."""

    def __init__(self, host: str):
        self.host = f"{host}:{PORT}"
        self.context = ssl._create_unverified_context()  # our own self-signed certificate

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", PORT, timeout=30, context=self.context)
        try:
            conn.request(method, path, body=body, headers={"Host": self.host, **(headers or {})})
            response = conn.getresponse()
            return (
                response.status,
                response.getheaders(),
                response.read().decode("utf-8", "replace"),
            )
        finally:
            conn.close()

    def get(self, path: str, cookie: str = "") -> tuple[int, str]:
        status, _headers, text = self.request(
            "GET", path, headers={"Cookie": cookie} if cookie else {}
        )
        return status, text


def cookies(headers) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def login(site: Site, username: str) -> str:
    """Log in at /admin/login/ through nginx; the Cookie header of the new session."""
    status, headers, text = site.request("GET", "/admin/login/")
    if status != 200:
        sys.exit(f"bench-prod: GET /admin/login/ on {site.host}: {status}")
    jar = cookies(headers)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    if not match or "csrftoken" not in jar:
        sys.exit("bench-prod: no CSRF token on the login page")
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match[1], "username": username, "password": PASSWORD}
    )
    status, headers, _text = site.request(
        "POST",
        "/admin/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Referer": f"https://{site.host}/admin/login/",
        },
    )
    session = cookies(headers).get("sessionid")
    if status != 302 or not session:
        sys.exit(f"bench-prod: login as {username} on {site.host} failed ({status})")
    return f"sessionid={session}"


def targets(site: Site, session: str) -> dict[str, dict]:
    status, text = site.get("/guides/")
    codes = re.findall(r'href="/guides/([^/"]+)/"', text)
    if status != 200 or not codes:
        sys.exit(f"bench-prod: {site.host}/guides/ lists no guide ({status})")
    guide = f"/guides/{codes[0]}/"
    status, text = site.get(guide)
    title = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
    words = re.findall(r"[\u4e00-\u9fff]{2}", html.unescape(title[1]) if title else "")
    query = words[0] if words else "证明"
    found = {
        "bare": {"path": "/livez"},
        "home": {"path": "/"},
        "guide": {"path": guide},
        "search": {"path": "/search/?" + urllib.parse.urlencode({"q": query})},
        "progress": {"path": "/progress/"},
        "cases_api": {"path": "/api/v1/cases/", "cookie": session},
    }
    for name, target in found.items():
        status, text = site.get(target["path"], target.get("cookie", ""))
        if status != 200:
            sys.exit(f"bench-prod: {name} {target['path']} answered {status}")
        target["bytes"] = len(text.encode())
    count = json.loads(site.get("/api/v1/cases/", session)[1])
    found["cases_api"]["cases_listed"] = (
        count.get("count", len(count.get("results", []))) if isinstance(count, dict) else len(count)
    )
    return found


def wrk_run(wrk: str, site: Site, target: dict, seconds: int) -> dict:
    args = [
        wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(WRK_SCRIPT), "-H", f"Host: {site.host}",
    ]  # fmt: skip
    if target.get("cookie"):
        args += ["-H", f"Cookie: {target['cookie']}"]
    args.append(f"https://127.0.0.1:{PORT}{target['path']}")
    proc = subprocess.run(args, capture_output=True, text=True)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        sys.exit(f"bench-prod: wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    lat = raw["latency_us"]
    errors = {k: v for k, v in raw["errors"].items() if v}
    return {
        "requests": raw["requests"],
        "req_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "latency_ms": {k: round(lat[k] / 1000, 2) for k in ("p50", "p95", "p99", "max")},
        "errors": errors,
    }


def measure(wrk: str, nodes: int) -> dict:
    env = {**os.environ, "WEB_NODES": str(nodes)}
    log(f"starting run-prod with WEB_NODES={nodes}")
    subprocess.run([ROOT / "scripts" / "run-prod.sh", "start"], env=env, check=True)
    log("scripts/check-prod.sh")
    subprocess.run([ROOT / "scripts" / "check-prod.sh"], env=env, check=True)
    site = Site(f"{CENTER}.localhost")
    load_before = list(os.getloadavg())
    session = login(site, "admin")
    found = targets(site, session)
    for target in found.values():
        wrk_run(wrk, site, target, WARMUP)
    figures: dict[str, dict] = {}
    order = ["bare", "home", "guide", "search", "progress", "cases_api", "bare"]
    bare_runs = []
    for name in order:
        log(f"WEB_NODES={nodes}: {name} {found[name]['path']} for {SECONDS}s")
        result = {"path": found[name]["path"], **wrk_run(wrk, site, found[name], SECONDS)}
        if result["errors"]:
            sys.exit(f"bench-prod: {name} had errors: {result['errors']}")
        if name == "bare":
            bare_runs.append(result)
        else:
            figures[name] = {
                **result,
                **{k: v for k, v in found[name].items() if k == "cases_listed"},
            }
    figures["bare"] = {
        **bare_runs[-1],
        "req_per_s": round(sum(r["req_per_s"] for r in bare_runs) / len(bare_runs), 1),
        "req_per_s_first_last": [r["req_per_s"] for r in bare_runs],
    }
    bare = figures["bare"]["req_per_s"]
    for result in figures.values():
        result["ratio_over_bare"] = round(result["req_per_s"] / bare, 3)
    # The headline: bare and guide back to back, PAIRS times; the median of the pair ratios
    # stays steady when other work on the machine comes and goes during the sweep.
    pairs = []
    for i in range(PAIRS):
        log(f"WEB_NODES={nodes}: headline pair {i + 1}/{PAIRS}, bare then guide")
        b = wrk_run(wrk, site, found["bare"], PAIR_SECONDS)["req_per_s"]
        g = wrk_run(wrk, site, found["guide"], PAIR_SECONDS)["req_per_s"]
        pairs.append({"bare_req_per_s": b, "guide_req_per_s": g, "ratio": round(g / b, 3)})
    env_file = dict(
        line.split("=", 1) for line in (PROD / "city.env").read_text().splitlines() if "=" in line
    )
    return {
        "web_nodes": nodes,
        "gunicorn_workers_per_node": int(env_file.get("GUNICORN_WORKERS", "0")),
        "host": site.host,
        # Other work on this machine skews every figure: compare runs only at similar load.
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "endpoints": {name: figures[name] for name in order[:-1]},
        "headline_pairs": pairs,
        "ratio_guide_over_bare": statistics.median(p["ratio"] for p in pairs)
        if pairs
        else figures["guide"]["ratio_over_bare"],
    }


def version(args: list[str]) -> str | None:
    try:
        out = subprocess.run(args, capture_output=True, text=True)
    except OSError:
        return None
    return ((out.stdout or out.stderr).strip().splitlines() or [None])[0]


def machine(wrk: str) -> dict:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "nginx": version(["nginx", "-v"]),
        "wrk": version([wrk, "-v"]),
    }


def print_table(results: dict) -> None:
    print()
    print(f"bench-prod: through nginx (TLS, HTTP/1.1 keep-alive), wrk {CONNECTIONS} connections")
    print(
        f"{'':12}" + "".join(f"{'WEB_NODES=' + str(r['web_nodes']):>36}" for r in results["runs"])
    )
    print(
        f"{'':12}" + "".join(f"{'req/s   p50   p95   p99 ms  ratio':>36}" for _ in results["runs"])
    )
    for name in ("bare", "home", "guide", "search", "progress", "cases_api"):
        cells = []
        for run in results["runs"]:
            f = run["endpoints"][name]
            lat = f["latency_ms"]
            cells.append(
                f"{f['req_per_s']:>8.0f} {lat['p50']:>5.0f} {lat['p95']:>5.0f} {lat['p99']:>5.0f}"
                f"    {f['ratio_over_bare']:>5.2f}"
            )
        print(f"{name:12}" + "".join(f"{c:>36}" for c in cells))
    for run in results["runs"]:
        verdict = "meets" if run["ratio_guide_over_bare"] >= TARGET_RATIO else "BELOW"
        print(
            f"headline WEB_NODES={run['web_nodes']}: guide / bare = "
            f"{run['ratio_guide_over_bare']:.2f} ({verdict} the {TARGET_RATIO} target; pairs "
            f"{', '.join(str(p['ratio']) for p in run['headline_pairs'])})"
        )


def main() -> None:
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("bench-prod: wrk is not installed (scripts/bench-prod.sh installs it)")
    results = {
        "machine": machine(wrk),
        "settings": {
            "connections": CONNECTIONS,
            "threads": THREADS,
            "seconds": SECONDS,
            "warmup_seconds": WARMUP,
            "center": CENTER,
            "target_ratio_guide_over_bare": TARGET_RATIO,
        },
        "runs": [],
    }
    try:
        for nodes in NODES:
            results["runs"].append(measure(wrk, nodes))
    finally:
        if os.environ.get("BENCH_PROD_KEEP") != "1":
            subprocess.run([ROOT / "scripts" / "run-prod.sh", "stop"], check=False)
    results["machine"]["loadavg_end"] = list(os.getloadavg())
    results["headline"] = {
        f"web_nodes_{run['web_nodes']}": run["ratio_guide_over_bare"] for run in results["runs"]
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

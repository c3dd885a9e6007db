"""Web benchmark: the real pages next to a trivial view, on gunicorn and PostgreSQL.

    .venv/bin/python bench/web.py [--duration 10] [--connections 16] [--reuse-db]

1. Creates a fresh PostgreSQL database (`tracker_bench` by default), migrates it, and seeds one
   person with 2,000 incidents in every phase (contacts, outreach, reschedules with slots,
   safeguards, materials, timeline, reminders) plus 200 other people with a few each.
2. Serves the app with gunicorn (2 sync workers, DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS
   127.0.0.1, static files collected) on a free port of 127.0.0.1.
3. Logs the person in through the login form and checks every page answers 200 with its real
   content (not a redirect to the login page).
4. Loads, one after the other and for a fixed time each, `/healthz/live` (checks nothing), the
   dashboard, an incident page with a realistic history, and the history page, with wrk
   (Debian's `wrk`) at 16 connections, or a small Python client when wrk is missing; then the
   trivial view again, so drift on a shared machine shows.
5. Prints requests/s, p50 and p95 latency, each page's ratio to the trivial view, and the goal.

Only 127.0.0.1 is loaded, for a bounded time. The database is dropped at the next run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
HOST = "127.0.0.1"
WORKERS = 2
# Goals (issue 6): each page's requests/s as a share of the trivial view's, and p95 latency.
GOALS = {"dashboard": 0.20, "incident": 0.20, "history": 0.10}
P95_GOAL_MS = 50.0

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("WRK_RESULT {\\"requests\\": %d, \\"duration_us\\": %d, "
    .. "\\"p50_us\\": %d, \\"p95_us\\": %d, \\"non2xx\\": %d, \\"errors\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


def bench_env(db_name: str) -> dict[str, str]:
    """The environment of the seeding process and of gunicorn: production-like settings."""
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"{PG}/{db_name}",
        # Plain HTTP on 127.0.0.1: no redirect to https, cookies sent back over http.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    return env


# --- Database and data ----------------------------------------------------------------------


def create_database(db_name: str) -> None:
    import psycopg

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", db_name):
        raise SystemExit(f"bad database name {db_name!r}")
    try:
        conn = psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"PostgreSQL is not reachable at {PG} ({exc}).\nStart it with: "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        ) from exc
    with conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db_name}")


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def seed_database(fresh: bool) -> dict:
    """Migrate and seed (or, with --reuse-db, find the seeded person). Returns the facts."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench import seed as seeding
    from tracker.incidents.models import Incident

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    info: dict = {}
    if fresh:
        started = time.monotonic()
        seeded = seeding.seed(now=timezone.now())
        info["seed_seconds"] = round(time.monotonic() - started, 1)
        info["rows"] = seeded.rows
        with connection.cursor() as cursor:  # what autovacuum would do soon after a load
            cursor.execute("VACUUM ANALYZE")
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.get(username="bench")
    info["person"] = person.username
    info["incidents"] = Incident.objects.filter(owner=person).count()
    info["incident_pk"] = realistic_incident(person)
    return info


def realistic_incident(person) -> int:
    """An open incident with a realistic history: the richest timeline among the open ones,
    with a confirmed reschedule, replaced requests, outreach and reminders."""
    from django.db.models import Count, Q

    from tracker.incidents.models import Incident

    row = (
        Incident.objects.filter(owner=person)
        .exclude(phase="closed")
        .annotate(
            events=Count("timeline", distinct=True),
            replaced=Count("reschedules", filter=Q(reschedules__cancelled_at__isnull=False),
                           distinct=True),
        )
        .filter(reschedules__confirmed_at__isnull=False)
        .order_by("-replaced", "-events", "-pk")
        .values("pk", "events", "replaced")
        .first()
    )
    return row["pk"]


def incident_shape(pk: int) -> str:
    from tracker.incidents.models import Incident

    i = Incident.objects.get(pk=pk)
    parts = {
        "contacts": i.contacts.count(),
        "outreach": i.outreach.count(),
        "reschedules": i.reschedules.count(),
        "slots": sum(r.slots.count() for r in i.reschedules.all()),
        "safeguards": i.safeguards.count(),
        "materials": i.materials.count(),
        "timeline": i.timeline.count(),
    }
    if hasattr(i, "reminders"):
        parts["reminders"] = i.reminders.count()
    return f"{i.phase}, " + ", ".join(f"{n} {k}" for k, n in parts.items())


# --- Server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    cmd = [str(gunicorn), "tracker.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(WORKERS),
           "--worker-class", "sync", "--log-level", "warning", "--timeout", "30"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            status, _, _ = fetch(port, "/healthz/live", {})
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=5)


# --- HTTP -----------------------------------------------------------------------------------


def fetch(port, path, cookies: dict, *, method="GET", body=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"Host": HOST}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read().decode("utf-8", "replace")
    set_cookies = {}
    for name, value in resp.getheaders():
        if name.lower() == "set-cookie":
            k, _, rest = value.partition("=")
            set_cookies[k.strip()] = rest.split(";", 1)[0]
    conn.close()
    return resp.status, data, (resp.getheader("Location"), set_cookies)


def log_in(port: int, username: str, password: str) -> dict:
    """The login form, as a browser fills it: CSRF cookie and token, then the POST."""
    status, html, (_, cookies) = fetch(port, "/accounts/login/", {})
    if status != 200:
        raise SystemExit(f"login page answered {status}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    status, _, (location, set_cookies) = fetch(
        port, "/accounts/login/", cookies, method="POST", body=body
    )
    cookies.update(set_cookies)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login failed: {status}, redirect to {location}")
    return cookies


def check_page(port, path, cookies, must_contain: list[str]) -> int:
    status, html, (location, _) = fetch(port, path, cookies)
    if status != 200:
        raise SystemExit(f"{path} answered {status} (redirect to {location}); not measuring")
    missing = [m for m in must_contain if m not in html]
    if missing:
        raise SystemExit(f"{path} lacks {missing}; not measuring")
    return len(html)


# --- Load -----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    bad: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load_wrk(port, name, path, cookies, *, connections, duration, script) -> Result:
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s",
           "-s", script, "-H", f"Cookie: {cookie}", f"http://{HOST}:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30, check=True)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("WRK_RESULT "))
    r = json.loads(line.removeprefix("WRK_RESULT "))
    return Result(name, path, r["requests"], r["duration_us"] / 1e6, r["p50_us"] / 1000,
                  r["p95_us"] / 1000, r["non2xx"] + r["errors"])


def load_python(port, name, path, cookies, *, connections, duration, script=None) -> Result:
    """The fallback load generator: `connections` threads, each one request at a time."""
    latencies: list[float] = []
    bad = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker():
        nonlocal bad
        mine, mine_bad = [], 0
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                status, _, _ = fetch(port, path, cookies)
            except OSError:
                status = 0
            mine.append(time.perf_counter() - t0)
            mine_bad += status != 200
        with lock:
            latencies.extend(mine)
            bad += mine_bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 30)
    seconds = time.monotonic() - started
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(name, path, len(latencies), seconds, q[49] * 1000, q[94] * 1000, bad)


def report(results: list[Result], base_rps: float) -> list[str]:
    lines = [f"{'page':<10} {'path':<18} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
             f"{'ratio':>6}  goal"]
    for r in results:
        ratio = r.rps / base_rps if base_rps else 0.0
        goal = GOALS.get(r.name)
        verdict = ""
        if goal is not None:
            ok = ratio >= goal
            verdict = f">= {goal:.2f}x {'MET' if ok else 'SHORT'}"
        p95_ok = "" if r.p95_ms < P95_GOAL_MS else "  p95>=50ms"
        bad = f"  ({r.bad} bad responses!)" if r.bad else ""
        lines.append(
            f"{r.name:<10} {r.path:<18} {r.rps:8.1f} {r.p50_ms:8.1f} {r.p95_ms:8.1f} "
            f"{ratio:6.2f}  {verdict}{p95_ok}{bad}"
        )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (max 60)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--db", default="tracker_bench")
    parser.add_argument("--reuse-db", action="store_true",
                        help="keep the database seeded by a previous run")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args(argv)
    duration = max(1, min(args.duration, 60))
    connections = max(1, min(args.connections, 64))

    env = bench_env(args.db)
    if not args.reuse_db:
        create_database(args.db)
    setup_django(env)
    info = seed_database(fresh=not args.reuse_db)
    pk = info["incident_pk"]
    from django.db import connections as db_connections

    shape = incident_shape(pk)
    db_connections.close_all()

    use_wrk = shutil.which("wrk") is not None and not args.python_client
    load = load_wrk if use_wrk else load_python
    cpu = platform_line()
    print(f"machine: {cpu}")
    if "rows" in info:
        rows = ", ".join(f"{n} {k}" for k, n in info["rows"].items())
        print(f"seeded in {info['seed_seconds']} s: {rows}")
    print(f"person '{info['person']}': {info['incidents']} incidents; "
          f"incident page /incidents/{pk}/: {shape}")

    port = free_port()
    proc = start_gunicorn(env, port)
    try:
        cookies = log_in(port, "bench", seeding_password())
        pages = [
            ("trivial", "/healthz/live", ['"ok"']),
            ("dashboard", "/", ["incident-card", "Open incidents"]),
            ("incident", f"/incidents/{pk}/", ["Timeline", "Rescheduling", "Confirmed interview"]),
            ("history", "/history/", ["Your history", "Median time to first outreach"]),
        ]
        for _, path, marks in pages:
            size = check_page(port, path, cookies, marks)
            print(f"  GET {path}: 200, {size} bytes")
        print(f"load: {'wrk' if use_wrk else 'python client'}, {connections} connections, "
              f"{duration} s per page, gunicorn {WORKERS} sync workers, DEBUG off, PostgreSQL")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_SCRIPT)
            script = f.name
        results = []
        try:
            for name, path, _ in pages + [("trivial", "/healthz/live", [])]:
                results.append(load(port, name, path, cookies, connections=connections,
                                    duration=duration, script=script))
        finally:
            os.unlink(script)
        for _, path, marks in pages[1:]:  # still logged in, still real pages
            check_page(port, path, cookies, marks)
    finally:
        stop(proc)

    trivial = [r for r in results if r.name == "trivial"]
    base = statistics.mean(r.rps for r in trivial)
    print(f"trivial view: {trivial[0].rps:.1f} req/s before, {trivial[1].rps:.1f} after; "
          f"ratios against the mean {base:.1f}")
    for line in report(results, base):
        print(line)
    verdicts = []
    for r in results:
        if r.name in GOALS:
            ratio = r.rps / base
            verdicts.append(ratio >= GOALS[r.name])
    p95_all = all(r.p95_ms < P95_GOAL_MS for r in results)
    print(f"goal: ratios {'MET' if all(verdicts) else 'NOT MET'}; "
          f"p95 under {P95_GOAL_MS:.0f} ms at {connections} connections: "
          f"{'MET' if p95_all else 'NOT MET'}")
    return 0


def seeding_password() -> str:
    from bench.seed import PASSWORD

    return PASSWORD


def platform_line() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load1 = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs, {model or 'unknown CPU'}, load average {load1:.1f}"


if __name__ == "__main__":
    sys.exit(main())

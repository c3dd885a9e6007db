"""Web benchmark: the real pages next to a trivial view, on gunicorn and PostgreSQL.

    .venv/bin/python bench/web.py [--rounds 3] [--duration 4] [--connections 16] [--reuse-db]

1. Creates a fresh PostgreSQL database (`tracker_bench` by default), migrates it, and seeds one
   person with 2,000 incidents in every phase (contacts, outreach, reschedules with slots,
   safeguards, materials, timeline, reminders) plus 200 other people with a few each.
2. Serves the app with gunicorn (2 sync workers, DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS
   127.0.0.1, static files collected) on a free port of 127.0.0.1.
3. Logs the person in through the login form and checks every page answers 200 with its real
   content (not a redirect to the login page).
4. Loads `/healthz/live` (checks nothing; asked with the session cookie like the pages, and
   once more without, "bare"), the dashboard, an incident page with a realistic history, and
   the history page, with wrk (Debian's `wrk`) at 16 connections, or a small
   Python client when wrk is missing: a few rounds, each page for a fixed time per round, in a
   rotating order, so a change in the load of a shared machine falls on all pages alike.
5. Prints requests/s, p50 and p95 latency, the gunicorn processes' CPU time per request, each
   page's ratio to the trivial view, and the goal.

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
from dataclasses import dataclass, field
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


def bench_env(db_name: str, conn_max_age: int = 0) -> dict[str, str]:
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
        # As docker-compose.yml sets it: no conn_max_age, so a connection per request.
        DATABASE_URL=f"{PG}/{db_name}"
        + (f"?conn_max_age={conn_max_age}&conn_health_checks=true" if conn_max_age else ""),
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
    # Accounts log in by their (verified) email address.
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": f"{username}@example.com", "password": password}
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


# --- Load ---------------------------------------------------------------------------------


@dataclass
class Run:
    """One bounded load of one page: wrk's (or the Python client's) figures, and the CPU time
    the gunicorn processes spent meanwhile."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    bad: int
    server_cpu_s: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load_wrk(port, path, cookies, *, connections, duration, script) -> Run:
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s",
           "-s", script, *(["-H", f"Cookie: {cookie}"] if cookie else []),
           f"http://{HOST}:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30, check=True)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("WRK_RESULT "))
    r = json.loads(line.removeprefix("WRK_RESULT "))
    return Run(r["requests"], r["duration_us"] / 1e6, r["p50_us"] / 1000, r["p95_us"] / 1000,
               r["non2xx"] + r["errors"])


def load_python(port, path, cookies, *, connections, duration, script=None) -> Run:
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
    return Run(len(latencies), seconds, q[49] * 1000, q[94] * 1000, bad)


def process_tree_cpu(root_pid: int) -> float:
    """User + system CPU seconds of a process and its live children (the gunicorn master and
    its workers), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@dataclass
class Page:
    name: str
    path: str
    marks: list[str]
    runs: list[Run] = field(default_factory=list)
    # The pages are loaded as the logged-in person's browser asks for them, with the session
    # cookie; "bare" is the trivial view without it (LoginRequiredMiddleware reads the session
    # and the user of any request that has one, even for a view that needs no login).
    cookie: bool = True

    def total(self, attr: str) -> float:
        return sum(getattr(r, attr) for r in self.runs)

    @property
    def rps(self) -> float:
        return self.total("requests") / self.total("seconds")

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p95_ms(self) -> float:
        return statistics.median(r.p95_ms for r in self.runs)

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request: what the page costs the app, whatever else the machine
        runs (wall-clock figures on a shared machine move with its load)."""
        n = self.total("requests")
        return self.total("server_cpu_s") * 1000 / n if n else 0.0


def measure(pages: list[Page], run_once, *, rounds: int, server_pid: int) -> None:
    """`rounds` rounds; in each, every page once, in a rotating order, so that a change of
    the machine's load falls on all pages alike rather than on whichever ran then."""
    for k in range(rounds):
        order = pages[k % len(pages):] + pages[: k % len(pages)]
        for page in order:
            before = process_tree_cpu(server_pid)
            run = run_once(page)
            run.server_cpu_s = process_tree_cpu(server_pid) - before
            page.runs.append(run)


def ratios(page: Page, trivial: Page) -> list[float]:
    """The page's req/s over the trivial view's, round by round."""
    return [p.rps / t.rps for p, t in zip(page.runs, trivial.runs, strict=True) if t.rps]


def report(pages: list[Page]) -> tuple[list[str], bool, bool, bool]:
    trivial, bare = pages[0], pages[1]
    lines = [f"{'page':<9} {'path':<17} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
             f"{'cpu ms/req':>10} {'ratio':>6} {'vs bare':>7}  goal"]
    ratios_met, bare_met, p95_met = True, True, True
    for page in pages:
        verdict, ratio_text, bare_text = "", "", ""
        if page not in (trivial, bare):
            ratio = statistics.median(ratios(page, trivial))
            ratio_text = f"{ratio:.2f}"
            vs_bare = statistics.median(ratios(page, bare))
            bare_text = f"{vs_bare:.2f}"
            bare_met &= vs_bare >= GOALS[page.name]
            goal = GOALS[page.name]
            met = ratio >= goal
            ratios_met &= met
            verdict = f">= {goal:.2f}x {'met' if met else 'SHORT by ' + f'{goal - ratio:.2f}'}"
        p95_ok = page.p95_ms < P95_GOAL_MS
        p95_met &= p95_ok
        flags = "" if p95_ok else "; p95 over 50 ms"
        bad = page.total("bad")
        if bad:
            flags += f"; {bad:.0f} bad responses!"
        lines.append(
            f"{page.name:<9} {page.path:<17} {page.rps:7.1f} {page.p50_ms:7.1f} "
            f"{page.p95_ms:7.1f} {page.cpu_ms:10.2f} {ratio_text:>6} {bare_text:>7}  "
            f"{verdict}{flags}"
        )
    return lines, ratios_met, bare_met, p95_met


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=4,
                        help="seconds per page and round (max 30)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages (max 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--db", default="tracker_bench")
    parser.add_argument("--reuse-db", action="store_true",
                        help="keep the database seeded by a previous run")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument("--conn-max-age", type=int, default=0,
                        help="persistent database connections (seconds); 0 as deployed")
    args = parser.parse_args(argv)
    duration = max(1, min(args.duration, 30))
    rounds = max(1, min(args.rounds, 10))
    connections = max(1, min(args.connections, 64))

    env = bench_env(args.db, args.conn_max_age)
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
    print(f"machine: {platform_line()}")
    if "rows" in info:
        rows = ", ".join(f"{n} {k}" for k, n in info["rows"].items())
        print(f"seeded in {info['seed_seconds']} s: {rows}")
    print(f"person '{info['person']}': {info['incidents']} incidents; "
          f"incident page /incidents/{pk}/: {shape}")

    pages = [
        Page("trivial", "/healthz/live", ['"ok"']),
        Page("bare", "/healthz/live", ['"ok"'], cookie=False),
        Page("dashboard", "/", ["incident-card", "Open incidents"]),
        Page("incident", f"/incidents/{pk}/", ["Timeline", "Rescheduling",
                                               "Confirmed interview"]),
        Page("history", "/history/", ["Your history", "Median time to first outreach"]),
    ]
    port = free_port()
    proc = start_gunicorn(env, port)
    script = None
    try:
        cookies = log_in(port, "bench", seeding_password())
        for page in pages:
            size = check_page(port, page.path, cookies if page.cookie else {}, page.marks)
            print(f"  GET {page.path}: 200, {size} bytes")
        print(f"load: {'wrk' if use_wrk else 'python client'}, {connections} connections, "
              f"{rounds} rounds x {duration} s per page, gunicorn {WORKERS} sync workers, "
              f"DEBUG off, PostgreSQL, CONN_MAX_AGE {args.conn_max_age}")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_SCRIPT)
            script = f.name

        def run_once(page):
            return load(port, page.path, cookies if page.cookie else {},
                        connections=connections, duration=duration, script=script)

        measure(pages, run_once, rounds=rounds, server_pid=proc.pid)
        for page in pages:  # still logged in, still the real pages
            check_page(port, page.path, cookies if page.cookie else {}, page.marks)
    finally:
        if script:
            os.unlink(script)
        stop(proc)

    lines, ratios_met, bare_met, p95_met = report(pages)
    for line in lines:
        print(line)
    print("(req/s over all rounds; p50/p95 the median of the rounds; ratio: the median of the "
          "rounds' page/trivial req/s, the trivial view asked with the same session cookie; "
          "vs bare: against the trivial view without a cookie; cpu: the gunicorn processes' "
          "CPU time per request)")
    print(f"goal: ratios to the trivial view {'MET' if ratios_met else 'NOT MET'} "
          f"(to the bare one: {'MET' if bare_met else 'NOT MET'}); p95 under "
          f"{P95_GOAL_MS:.0f} ms at {connections} connections: "
          f"{'MET' if p95_met else 'NOT MET'}")
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

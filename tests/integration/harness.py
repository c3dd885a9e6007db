"""Real services for the integration and fault tiers: an aiosmtpd sink in the test process,
Celery workers and beats as separate processes, a private redis-server when a test needs to
kill one, and helpers to count what arrived.

A missing service fails the test with the command that starts it; it is never skipped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))
TICK = 0.5

START_REDIS = (
    "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' "
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- services --------------------------------------------------------------------------------


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def require_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(
            f"Redis is not reachable at {url} ({exc}). Start it with:\n  {START_REDIS}\n"
            "or point TEST_REDIS_URL at one.",
            pytrace=False,
        )


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def require_postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            "This tier runs on PostgreSQL: run it with "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker (as `make test` does). "
            f"If PostgreSQL is down, start it with:\n  {START_POSTGRES}",
            pytrace=False,
        )


def database_url() -> str:
    """The URL of the test database the test process is using, for the worker processes."""
    from django.db import connection

    d = connection.settings_dict
    user = d.get("USER") or "postgres"
    auth = f"{user}:{d['PASSWORD']}" if d.get("PASSWORD") else user
    return f"postgres://{auth}@{d.get('HOST') or '127.0.0.1'}:{d.get('PORT') or 5432}/{d['NAME']}"


def terminate_backends(application_name: str, *, timeout: float = 5.0) -> list[int]:
    """pg_terminate_backend on every connection of the test database opened under
    `application_name` (workers started with PGAPPNAME), from a connection of our own; returns
    once those backends are gone, so that the next statement of their clients fails."""
    import psycopg
    from django.db import connection

    d = connection.settings_dict
    with psycopg.connect(
        host=d.get("HOST") or "127.0.0.1", port=d.get("PORT") or 5432,
        user=d.get("USER") or "postgres", password=d.get("PASSWORD") or None,
        dbname=d["NAME"], autocommit=True, connect_timeout=5,
    ) as conn:
        pids = [
            pid for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = %s AND pid <> pg_backend_pid()",
                [application_name],
            )
        ]
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + timeout
        while pids and time.monotonic() < deadline:
            (alive,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
            ).fetchone()
            if not alive:
                break
            time.sleep(0.01)
    return pids


class PrivateRedis:
    """A redis-server of the test's own, on its own port, keeping nothing on disk."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen | None = None
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.binary).exists():
            pytest.fail("redis-server is not installed: apt-get install redis-server",
                        pytrace=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=open(self.tmp / f"redis-{time.monotonic_ns()}.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: _ping(self.url), 10, "private redis-server to start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def _ping(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError:
        return False


# --- the SMTP sink ---------------------------------------------------------------------------


@dataclass
class Received:
    message_id: str
    subject: str
    rcpt: list[str]
    raw: bytes
    at: float

    @property
    def email(self):
        return message_from_bytes(self.raw, policy=policy.default)


_HEADERS = BytesParser(policy=policy.compat32)  # headers only: the sink must be cheap


@dataclass
class SinkHandler:
    """The sink's behaviour. `script` maps a recipient to the outcomes of its successive DATA
    attempts (the first outcome is used up by the first attempt, and so on; none left: "250"):

    - "250": taken, answered at once (or after `delay`);
    - "wait:S": taken, answered 250 after S seconds (a slow mail server);
    - "451": refused for now, not taken; "421": refused and the server is closing (smtplib
      closes its socket on a 421, as after a real relay's "service not available");
    - "550": the recipient is refused at RCPT;
    - "drop": taken, then the connection is dropped before the 250 (the reply gap).

    `on_accept(received)` runs (in a thread) after a message is taken and before its 250
    goes out, so that a test can act at that very instant: kill the dispatcher's database
    connection, commit a move while the message is held, ..."""

    delay: float = 0.0
    script: dict[str, list[str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_accept: object = None  # callable(Received) -> None

    sessions: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    def _next(self, rcpt: str) -> str:
        steps = self.script.get(rcpt)
        return steps.pop(0) if steps else "250"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        steps = self.script.get(address)
        if steps and steps[0] == "550":
            self.attempts[address] += 1
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            self.attempts[rcpt] += 1
            outcome = self._next(rcpt)
        if outcome == "451":
            return "451 4.3.0 Temporary failure, try again later"
        if outcome == "421":
            return "421 4.3.2 Service not available, closing transmission channel"
        msg = _HEADERS.parsebytes(envelope.content, headersonly=True)
        # Like a real MTA, the message is taken on before the 250 goes out: a client that
        # dies in the reply gap will send it again.
        received = Received(
            message_id=str(msg["Message-ID"]),
            subject=str(msg["Subject"]),
            rcpt=list(envelope.rcpt_tos),
            raw=envelope.content,
            at=time.time(),
        )
        with self.lock:
            self.received.append(received)
        if outcome == "drop":
            server.transport.abort()
            return "250 OK (never seen)"
        if self.on_accept is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_accept, received)
        wait = float(outcome.split(":", 1)[1]) if outcome.startswith("wait:") else self.delay
        if wait:
            await asyncio.sleep(wait)
        return "250 OK queued"


class SmtpSink:
    def __init__(self, delay: float = 0.0, script: dict | None = None):
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.handler = SinkHandler(delay=delay, script=script or {})
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def ids(self) -> Counter:
        return Counter(r.message_id for r in self.received)


def count(expected_ids, received: Counter) -> tuple[int, int]:
    """(lost, duplicated) against the expected Message-IDs."""
    expected = set(expected_ids)
    lost = len(expected - set(received))
    duplicated = sum(n - 1 for mid, n in received.items() if n > 1 and mid in expected)
    return lost, duplicated


# --- Celery processes ------------------------------------------------------------------------


def celery_env(*, broker: str | None, database: str, email_url: str, tmp: Path, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CELERY_BROKER_URL", "REDIS_URL", "DATABASE_URL", "EMAIL_URL")
        and not k.startswith("PYTEST")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DEBUG="true",
        DATABASE_URL=database,
        EMAIL_URL=email_url,
        EMAIL_TIMEOUT="5",
        REMINDER_TICK_SECONDS=str(TICK),
        REMINDER_LEASE_SECONDS="10",
        REMINDER_RETRY_BASE_SECONDS="0.5",
        REMINDER_RETRY_CAP_SECONDS="2",
        REMINDER_DISPATCH_BUDGET_SECONDS="5",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    if broker:
        env["CELERY_BROKER_URL"] = broker
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Proc:
    """One Celery process group (a worker with its pool, or a beat), logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict, tmp: Path, clock_offset=0.0):
        self.name = name
        self.log = tmp / f"{name}.log"
        env = dict(env)
        if clock_offset:
            env["TEST_CLOCK_OFFSET_SECONDS"] = str(clock_offset)
        self.proc = subprocess.Popen(
            [PYTHON, str(ROOT / "tests" / "integration" / "shifted_celery.py"), *args],
            cwd=ROOT,
            env=env,
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole group: the worker and its pool process, no clean-up at all."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)

    def stop(self) -> None:
        if not self.alive():
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(8)
        except subprocess.TimeoutExpired:
            self.kill9()
        except ProcessLookupError:
            pass

    def tail(self, n: int = 40) -> str:
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return f"--- {self.name} ---\n" + "\n".join(lines[-n:])

    def wait_ready(self, timeout: float = 30) -> None:
        needle = "ready." if "worker" in self.name else "beat: Starting"
        wait_for(lambda: needle in self.log.read_text(errors="replace"), timeout,
                 f"{self.name} to start", self)


class Cluster:
    """Workers and beats started by one test; all stopped at the end."""

    def __init__(self, env: dict, tmp: Path):
        self.env, self.tmp = env, tmp
        self.procs: list[Proc] = []
        self.n = 0

    def worker(
        self, *, pool="prefork", clock_offset=0.0, embedded_beat=False, concurrency=1,
        as_deployed=False,
    ) -> Proc:
        """A worker; `as_deployed` runs it with the command line of docker-compose.yml
        (gossip, mingle and heartbeat on)."""
        self.n += 1
        name = f"worker{self.n}"
        args = ["-A", "tracker", "worker", "--loglevel=INFO", f"--pool={pool}",
                f"--concurrency={concurrency}", "-n", f"{name}@%h"]
        if not as_deployed:
            args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        if embedded_beat:
            args += ["-B", "--schedule", str(self.tmp / f"beat{self.n}.db")]
        p = Proc(name, args, self.env, self.tmp, clock_offset)
        self.procs.append(p)
        return p

    def beat(self, *, clock_offset=0.0) -> Proc:
        self.n += 1
        name = f"beat{self.n}"
        p = Proc(
            name,
            ["-A", "tracker", "beat", "--loglevel=INFO",
             "--schedule", str(self.tmp / f"{name}-schedule.db"), "--max-interval", "1"],
            self.env, self.tmp, clock_offset,
        )
        self.procs.append(p)
        return p

    def start(self, *, clock_offset=0.0, **worker_options) -> Proc:
        """A worker (with `worker_options`) and a beat, both with `clock_offset`; returns the
        worker once it is ready to take ticks."""
        worker = self.worker(clock_offset=clock_offset, **worker_options)
        self.beat(clock_offset=clock_offset)
        worker.wait_ready()
        return worker

    def stop(self) -> None:
        for p in self.procs:  # all at once: each takes a moment to shut down warm
            if p.alive():
                try:
                    os.killpg(p.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            p.stop()

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.procs)


def wait_for(predicate, timeout: float, what: str, logs=None, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    extra = ""
    if logs is not None:
        extra = "\n" + (logs.logs() if hasattr(logs, "logs") else logs.tail())
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.{extra}")


# --- data ------------------------------------------------------------------------------------


def make_due_reminders(owner, n: int, *, due_at: datetime | None = None):
    """n confirmed interviews whose 1 h reminders are due at `due_at` (now by default),
    written in bulk. Returns the reminders' Message-IDs."""
    from tracker.incidents.models import Incident, Reschedule
    from tracker.reminders.models import Reminder, message_id_for

    due_at = due_at or datetime.now(UTC)
    start = due_at + timedelta(hours=1)
    found = due_at - timedelta(days=3)
    incidents = Incident.objects.bulk_create(
        Incident(
            owner=owner, company=f"Company {i}", role="Engineer", interview_at=found,
            interview_tz="Europe/Berlin", candidate_tz="America/New_York", format="video",
            cause="calendar", discovered_at=found, phase="correct",
            first_outreach_at=found + timedelta(minutes=10),
        )
        for i in range(n)
    )
    reschedules = Reschedule.objects.bulk_create(
        Reschedule(
            incident=inc, requested_at=found, reply="accepted", replied_at=found,
            confirmed_at=found, start=start, time_zone="Europe/Berlin", duration_minutes=45,
            format="video", location="https://meet.example/x", version=1,
        )
        for inc in incidents
    )
    reminders = Reminder.objects.bulk_create(
        Reminder(
            incident=inc, reschedule=res, kind="before_1h", version=1, due_at=due_at,
            expires_at=start,
            message_id=message_id_for(incident_id=inc.pk, reschedule_id=res.pk,
                                      kind="before_1h", version=1),
        )
        for inc, res in zip(incidents, reschedules, strict=True)
    )
    return [r.message_id for r in reminders]


def statuses(**filters) -> Counter:
    from tracker.reminders.models import Reminder

    return Counter(Reminder.objects.filter(**filters).values_list("status", flat=True))


def all_sent(message_ids):
    """A predicate for wait_for: every reminder of `message_ids` is marked sent."""
    from tracker.reminders.models import Reminder

    def check() -> bool:
        sent = Reminder.objects.filter(message_id__in=message_ids, status="sent")
        return sent.count() == len(message_ids)

    return check

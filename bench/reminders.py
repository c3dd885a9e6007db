"""Reminder delivery benchmark: 10,000 reminders due now, two Celery workers and one beat on real
Redis and PostgreSQL, an aiosmtpd sink. Prints delivered messages per second, the raw baseline
measured in the same run (the same 10,000 messages pushed through one reused SMTP connection by a
bare loop), their ratio, lateness p50/p99, and how many were lost and duplicated.

    .venv/bin/python bench/reminders.py [--n 10000] [--tick 1.0]

Uses its own database (tracker_bench_reminders, created and migrated here) and Redis db 15
(TEST_REDIS_URL). Goals: ratio >= 0.5, lateness p99 <= tick + 2 s, 0 lost, 0 duplicated.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DB_NAME = "tracker_bench_reminders"
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def process_cpu() -> dict[int, tuple[str, int, float]]:
    """pid -> (command, process group, CPU seconds so far) for every live process."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = tail.split()
        comm = head.split("(", 1)[1]
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        out[int(stat.parent.name)] = (comm, int(fields[2]), cpu)
    return out


def cpu_by_role(before: dict, after: dict, roles: dict[str, set[int]]) -> dict[str, float]:
    """CPU seconds spent between two snapshots, by role (process groups), PostgreSQL, Redis,
    this process (the bench and its aiosmtpd sink thread) and everything else."""
    spent = dict.fromkeys([*roles, "postgres", "redis", "bench + sink", "other"], 0.0)
    for pid, (comm, pgrp, cpu) in after.items():
        delta = cpu - before.get(pid, (comm, pgrp, 0.0))[2]
        role = next((r for r, groups in roles.items() if pgrp in groups), None)
        if role is None:
            role = (
                "bench + sink" if pid == os.getpid()
                else "postgres" if comm.startswith("postgres")
                else "redis" if comm.startswith("redis")
                else "other"
            )
        spent[role] += delta
    return spent


def machine_busy() -> float:
    """CPU seconds all cores spent not idle since boot (every process on the machine)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--tick", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    # Processes per worker; Celery's own default is the number of CPUs.
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()

    from bench.database import prepare_database

    url = prepare_database(DB_NAME)
    os.environ.update(DATABASE_URL=url, DEBUG="true", DJANGO_SETTINGS_MODULE="tracker.settings")
    import django

    django.setup()
    import redis
    from django.db.models import Max
    from django.utils import timezone

    from tests.factories import UserFactory
    from tests.integration.harness import Cluster, SmtpSink, celery_env, make_due_reminders
    from tracker.reminders.mail import message_for
    from tracker.reminders.models import Reminder

    redis.Redis.from_url(REDIS).flushdb()
    user = UserFactory(username="bench")
    # Planned for tomorrow; made due all at once once the workers are up.
    ids = make_due_reminders(user, args.n, due_at=datetime.now(UTC) + timedelta(days=1))

    with SmtpSink() as sink, tempfile.TemporaryDirectory() as tmp:
        # The raw baseline: the same messages, rendered beforehand, through one connection.
        rows = Reminder.objects.select_related(
            "incident__owner__profile", "reschedule__interviewer"
        ).order_by("pk")
        raw = [(m.from_email, m.recipients(), m.message().as_bytes(linesep="\r\n"))
               for m in (message_for(r) for r in rows)]
        t = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for sender, rcpt, data in raw:
                smtp.sendmail(sender, rcpt, data)
        baseline = len(raw) / (time.perf_counter() - t)
        with sink.handler.lock:
            sink.handler.received.clear()

        env = celery_env(
            broker=REDIS, database=url, email_url=sink.url, tmp=Path(tmp),
            REMINDER_TICK_SECONDS=args.tick, REMINDER_LEASE_SECONDS=120,
            REMINDER_DISPATCH_BUDGET_SECONDS=60, REMINDER_RETRY_BASE_SECONDS=30,
            EMAIL_TIMEOUT=20, LOG_LEVEL="WARNING", DEBUG="false", SECRET_KEY="bench-only",
        )
        cluster = Cluster(env, Path(tmp))
        try:
            workers = [
                cluster.worker(concurrency=args.concurrency) for _ in range(args.workers)
            ]
            cluster.beat()
            for w in workers:
                w.wait_ready(60)
            roles = {"workers": {w.proc.pid for w in workers},
                     "beat": {p.proc.pid for p in cluster.procs if p.name.startswith("beat")}}
            cpu0, busy0, wall0 = process_cpu(), machine_busy(), time.monotonic()
            due = timezone.now()
            Reminder.objects.update(due_at=due)
            deadline = time.monotonic() + 900
            while Reminder.objects.filter(status="sent").count() < args.n:
                if time.monotonic() > deadline:
                    print("timed out:", Counter(Reminder.objects.values_list("status", flat=True)))
                    break
                time.sleep(0.5)
            spent = cpu_by_role(cpu0, process_cpu(), roles)
            worker_cpu = spent["workers"]
            busy, wall = machine_busy() - busy0, time.monotonic() - wall0
            time.sleep(2 * args.tick)
        finally:
            cluster.stop()
        last = Reminder.objects.aggregate(m=Max("sent_at"))["m"]
        lateness = [
            (s - due).total_seconds()
            for s in Reminder.objects.filter(status="sent").values_list("sent_at", flat=True)
        ]
        got = sink.ids()

    expected = set(ids)
    lost = len(expected - set(got))
    duplicated = sum(n - 1 for n in got.values() if n > 1)
    delivered = args.n / (last - due).total_seconds()
    print(f"bench/reminders.py: {args.n} reminders due now, {args.workers} workers "
          f"(prefork, concurrency {args.concurrency}), 1 beat, tick {args.tick:g} s, "
          "Redis + PostgreSQL, aiosmtpd sink")
    print(f"delivered: {delivered:.0f} msg/s")
    print(f"raw baseline (same messages, one reused SMTP connection): {baseline:.0f} msg/s")
    print(f"ratio: {delivered / baseline:.2f} (goal >= 0.5)")
    print(f"lateness: p50 {percentile(lateness, 0.5):.2f} s, p99 {percentile(lateness, 0.99):.2f} s"
          f" (goal p99 <= tick + 2 s = {args.tick + 2:g} s)")
    print(f"lost: {lost}, duplicated: {duplicated}")
    print(f"worker CPU: {1000 * worker_cpu / args.n:.2f} ms per message "
          f"({worker_cpu:.1f} s in {args.workers} workers); machine busy {busy / wall:.2f} of "
          f"{os.cpu_count()} cores while draining (everything, other users included)")
    print("CPU while draining, ms per message: " + ", ".join(
        f"{role} {1000 * seconds / args.n:.2f}" for role, seconds in spent.items()))
    print(f"mean lateness {statistics.mean(lateness):.2f} s; "
          f"drain time {(last - due).total_seconds():.1f} s")


if __name__ == "__main__":
    main()

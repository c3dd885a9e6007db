"""Dispatcher claim at scale: 1,000,000 reminder rows in PostgreSQL, 100 of them due. Prints the
time of one dispatcher claim (expire sweep + lease sweep + claim of a batch, rolled back so each
run sees the same rows) and its EXPLAIN; then the same with 1,000 and 10,000 due, to show the
cost follows the due rows, not the total. Goal: under 10 ms, on the partial index.

    .venv/bin/python bench/dispatch_scale.py [--total 1000000]

Uses its own database, tracker_bench_scale (dropped and re-created here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DB_NAME = "tracker_bench_scale"


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from bench.database import prepare_database

    url = prepare_database(DB_NAME)
    os.environ.update(DATABASE_URL=url, DEBUG="false", SECRET_KEY="bench-only",
                      DJANGO_SETTINGS_MODULE="tracker.settings", LOG_LEVEL="WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from tests.factories import IncidentFactory, UserFactory
    from tracker.reminders import dispatch
    from tracker.reminders.models import Reminder

    incident = IncidentFactory(owner=UserFactory(username="scale"))
    now = timezone.now()
    t = time.perf_counter()
    with connection.cursor() as cur:
        # 90 % sent in the past, the rest pending over the next 30 days; 100 due now.
        cur.execute(
            """
            INSERT INTO reminders_reminder
              (incident_id, reschedule_id, kind, version, due_at, expires_at, status, attempts,
               lease_token, last_error, reason, message_id, sent_at, created_at, updated_at)
            SELECT %(incident)s, NULL, 'test', g,
                   CASE WHEN g %% 10 = 0 THEN %(now)s + (g || ' seconds')::interval / 400
                        ELSE %(now)s - (g || ' seconds')::interval END,
                   CASE WHEN g %% 10 = 0 THEN %(now)s + (g || ' seconds')::interval / 400
                                                      + interval '1 hour'
                        ELSE %(now)s - (g || ' seconds')::interval + interval '1 hour' END,
                   CASE WHEN g %% 10 = 0 THEN 'pending' ELSE 'sent' END, 1, '', '', '',
                   '<bench.' || g || '@scale.invalid>',
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE %(now)s - (g || ' seconds')::interval END,
                   %(now)s, %(now)s
            FROM generate_series(1, %(total)s) AS g
            """,
            {"incident": incident.pk, "now": now, "total": args.total},
        )
        cur.execute("ANALYZE reminders_reminder")
    load = time.perf_counter() - t
    lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    limit = settings.REMINDER_BATCH_SIZE

    def make_due(n: int) -> None:
        # n of the future pending rows become due (within the last minute).
        ids = list(
            Reminder.objects.filter(status="pending").order_by("due_at").values_list(
                "pk", flat=True
            )[:n]
        )
        Reminder.objects.filter(pk__in=ids).update(due_at=now - timedelta(seconds=30),
                                                   expires_at=now + timedelta(hours=1))
        with connection.cursor() as cur:
            cur.execute("ANALYZE reminders_reminder")

    def one_claim() -> tuple[float, int]:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                t_now = timezone.now()
                dispatch.expire_overdue(t_now)
                dispatch.release_expired_leases(t_now)
                _, ids = dispatch.claim(now=t_now, limit=limit, lease=lease)
                elapsed = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        return elapsed, len(ids)

    def explain() -> str:
        qs = (
            Reminder.objects.filter(status="pending", due_at__lte=timezone.now(),
                                    expires_at__gt=timezone.now())
            .order_by("due_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        with transaction.atomic():
            return qs.explain(analyze=True, buffers=True)

    total = Reminder.objects.count()
    print(f"bench/dispatch_scale.py: {total:,} reminder rows in PostgreSQL "
          f"(loaded in {load:.1f} s), batch {limit}")
    previous = 0
    for due in (100, 1_000, 10_000):
        make_due(due - previous)
        previous = due
        times = []
        for _ in range(args.runs):
            elapsed, claimed = one_claim()
            times.append(elapsed * 1000)
        print(f"due {due:>6,}: one dispatcher claim median {statistics.median(times):.2f} ms, "
              f"p95 {sorted(times)[int(0.95 * (len(times) - 1))]:.2f} ms, claimed {claimed} "
              f"(goal < 10 ms)")
        if due == 100:
            plan = explain()
            print("EXPLAIN ANALYZE of the claim (100 due):")
            for line in plan.splitlines():
                print("   ", line)
            print("uses the partial index reminder_pending_due:",
                  "reminder_pending_due" in plan)


if __name__ == "__main__":
    main()

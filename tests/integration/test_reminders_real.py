"""Reminders end to end on real services: a Celery worker and beat as separate processes on
Redis and PostgreSQL, sending by SMTP to an aiosmtpd sink; and the same on the embedded
default (SQLite and the filesystem broker, as `make run`)."""

import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from tests.scenarios import apologise, confirm, logged
from tracker.reminders.models import Reminder

from .harness import PYTHON, ROOT, TICK, Cluster, SmtpSink, celery_env, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
DAY = timedelta(hours=24)


def ids_of(incident, version):
    return {
        r.kind: r.message_id
        for r in Reminder.objects.filter(incident=incident, version=version)
    }


def ics_start(received):
    """The start in the invite a notice carries (the reminders link to the calendar file)."""
    part = next(p for p in received.email.iter_attachments() if p.get_filename() == "interview.ics")
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return event.decoded("DTSTART")


def a_confirmed_interview(user, start, now):
    incident = apologise(logged(user, discovered_at=now - timedelta(minutes=30),
                                now=now - timedelta(minutes=30)),
                         now=now - timedelta(minutes=20))
    confirm(incident, start=start, now=now)
    return incident


def test_24h_and_1h_reminders_each_arrive_exactly_once_with_both_zones_and_an_ics(
    cluster, sink, user
):
    cluster.start()
    now = datetime.now(UTC)
    start = now + DAY + timedelta(seconds=2)
    incident = a_confirmed_interview(user, start, now)
    ids = ids_of(incident, 1)
    wait_for(lambda: ids["before_24h"] in sink.ids(), 30, "the 24 h reminder", cluster)

    # The 1 h reminder is due 23 h later: workers whose clock lives 23 h ahead reach it.
    cluster.stop()
    cluster.start(clock_offset=(DAY - timedelta(hours=1)).total_seconds())
    wait_for(lambda: ids["before_1h"] in sink.ids(), 40, "the 1 h reminder", cluster)
    time.sleep(4 * TICK)  # a few more ticks: nothing may arrive twice

    got = sink.ids()
    assert got[ids["before_24h"]] == 1 and got[ids["before_1h"]] == 1, cluster.logs()
    # And the confirmation with the invite, sent at once (issue 10).
    assert got[ids["interview_confirmed"]] == 1
    assert sum(got.values()) == 3
    by_id = {r.message_id: r for r in sink.received}
    day, hour = by_id[ids["before_24h"]], by_id[ids["before_1h"]]
    assert abs(ics_start(by_id[ids["interview_confirmed"]]).astimezone(UTC) - start) < (
        timedelta(seconds=1))
    assert day.subject.startswith("Tomorrow: your Backend engineer interview with Acme at")
    assert hour.subject.startswith("In 1 hour: Backend engineer interview with Acme at")
    for r in (day, hour):
        body = r.email.get_body(("plain",)).get_content()
        assert "(America/Chicago)" in body and "(Asia/Kolkata)" in body
        assert r.rcpt == [user.email]
    # The day before links to the calendar file (the invite itself came with the confirmation).
    assert "/interview.ics" in day.email.get_body(("plain",)).get_content()
    statuses = dict(Reminder.objects.filter(incident=incident).values_list("kind", "status"))
    assert statuses["before_24h"] == "sent" and statuses["before_1h"] == "sent"
    print("\nINTEGRATION redis+postgres: 2 expected, 2 delivered, lost=0, duplicated=0")


def test_moving_the_interview_while_waiting_sends_only_the_new_times_reminder(
    cluster, sink, user
):
    cluster.start()
    now = datetime.now(UTC)
    incident = a_confirmed_interview(user, now + DAY + timedelta(seconds=3), now)
    old = ids_of(incident, 1)
    time.sleep(1)
    new_start = now + DAY + timedelta(seconds=6)
    confirm(incident, start=new_start, now=datetime.now(UTC))
    new = ids_of(incident, 2)
    wait_for(lambda: new["before_24h"] in sink.ids(), 30, "the moved 24 h reminder", cluster)
    time.sleep(4 * TICK)

    got = sink.ids()
    assert old["before_24h"] not in got, cluster.logs()
    assert got[new["before_24h"]] == 1 and got[new["interview_moved"]] == 1
    # Besides them, at most the first confirmation (if it went out before the move).
    assert set(got) <= {new["before_24h"], new["interview_moved"], old["interview_confirmed"]}
    assert all(n == 1 for n in got.values())
    moved = next(r for r in sink.received if r.message_id == new["interview_moved"])
    assert abs(ics_start(moved).astimezone(UTC) - new_start) < timedelta(seconds=1)
    stale = Reminder.objects.get(message_id=old["before_24h"])
    assert stale.status == "cancelled" and "moved" in stale.reason


def test_one_reminder_on_the_embedded_default_sqlite_and_filesystem_broker(tmp_path):
    db = tmp_path / "db.sqlite3"
    broker = tmp_path / "broker"
    for d in ("queue", "processed"):
        (broker / d).mkdir(parents=True)
    with SmtpSink() as sink:
        env = celery_env(broker=None, database=f"sqlite:///{db}", email_url=sink.url,
                         tmp=tmp_path, CELERY_BROKER_DIR=broker)
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        cluster = Cluster(env, tmp_path)
        try:
            worker = cluster.worker(embedded_beat=True)
            worker.wait_ready()
            script = (
                "from datetime import UTC, datetime, timedelta\n"
                "from django.contrib.auth import get_user_model\n"
                "from tests.scenarios import apologise, confirm, logged\n"
                "from tracker.reminders.models import Reminder\n"
                "now = datetime.now(UTC)\n"
                "from allauth.account.models import EmailAddress\n"
                "u = get_user_model().objects.create_user('sam', 'sam@example.com', 'x')\n"
                # A confirmed address: reminders go only to one that said yes.
                "EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)\n"
                "i = apologise(logged(u, discovered_at=now - timedelta(minutes=30),"
                " now=now - timedelta(minutes=30)), now=now - timedelta(minutes=20))\n"
                "confirm(i, start=now + timedelta(hours=24, seconds=2), now=now)\n"
                "print(Reminder.objects.get(incident=i, kind='before_24h').message_id)\n"
            )
            out = subprocess.run([PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT,
                                 env=env, check=True, capture_output=True, text=True)
            message_id = out.stdout.strip().splitlines()[-1]
            wait_for(lambda: message_id in sink.ids(), 40, "the reminder over SQLite", cluster)
            time.sleep(4 * TICK)
        finally:
            cluster.stop()
        # The 24 h reminder, and the confirmation with the invite sent at once (issue 10).
        assert sink.ids()[message_id] == 1 and len(sink.received) == 2
        (received,) = [r for r in sink.received if r.message_id == message_id]
        assert received.subject.startswith("Tomorrow:")
        with sqlite3.connect(db) as conn:
            (status,) = conn.execute(
                "select status from reminders_reminder where message_id = ?", (message_id,)
            ).fetchone()
        assert status == "sent"
        print("\nINTEGRATION sqlite+filesystem: 1 expected, 1 delivered, lost=0, duplicated=0")

"""The dispatcher holds a reminder's incident from its last check through the send: a move of
that incident waits for the send (PostgreSQL row locks), and is refused with a clear message
when the send outlasts INCIDENT_LOCK_TIMEOUT_SECONDS (issue 13). Real transactions in two
threads, so PostgreSQL only; on SQLite the IMMEDIATE transactions serialise every writer and
tests/reminders/test_dispatch.py covers the re-check."""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection

from tests import scenarios
from tests.scenarios import OTHER_START, START, confirm, notices_sent, reminders_by_kind
from tracker.incidents.models import Reschedule
from tracker.incidents.phases import TransitionRefused
from tracker.reminders import dispatch
from tracker.reminders.models import Reminder

# Marked integration: the SQLite tier deselects it; the PostgreSQL tier runs it.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]
S = Reminder.Status
DUE_1H = START - timedelta(hours=1)
LEASE = timedelta(seconds=60)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.fail("Row locks between two connections need PostgreSQL (on SQLite the "
                    "IMMEDIATE transaction serialises writers instead): run with "
                    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker, as make "
                    "test-postgres does.")


class SlowBackend(LocmemBackend):
    """locmem, but each send announces itself and then takes `hold` seconds."""

    sending = threading.Event()
    hold = 0.0
    done_at: float | None = None

    def send_messages(self, messages):
        SlowBackend.sending.set()
        time.sleep(SlowBackend.hold)
        n = super().send_messages(messages)
        SlowBackend.done_at = time.perf_counter()
        return n


@pytest.fixture
def slow(settings):
    settings.EMAIL_BACKEND = "tests.reminders.test_dispatch_locks.SlowBackend"
    SlowBackend.sending = threading.Event()
    SlowBackend.done_at = None
    return SlowBackend


def confirmed(owner):
    """Confirmed, its confirmation notice already sent: the batch is the 1 h reminder alone."""
    return notices_sent(scenarios.confirmed(owner))


def _dispatch_in_a_thread(token, ids, results):
    def run():
        try:
            results.append(dispatch.process(token, ids, lease=LEASE))
        finally:
            connection.close()

    t = threading.Thread(target=run)
    t.start()
    return t


@contextmanager
def sending_the_1h_reminder(slow):
    """Claim the due 1 h reminder and send it in another thread; the body runs while that send
    is under way. Yields (now, results): the claim's instant, and the list the thread's
    dispatch result is in once the block has ended."""
    now = DUE_1H + timedelta(seconds=1)
    results = []
    with time_machine.travel(now, tick=True):
        dispatch.expire_overdue(now)
        token, ids = dispatch.claim(now=now, limit=50, lease=LEASE)
        t = _dispatch_in_a_thread(token, ids, results)
        try:
            assert slow.sending.wait(10), "the dispatcher never reached the send"
            yield now, results
        finally:
            t.join(20)


def test_a_move_waits_for_the_send_of_its_incidents_reminder(user, slow, settings):
    settings.INCIDENT_LOCK_TIMEOUT_SECONDS = 10
    slow.hold = 1.5
    incident = confirmed(user)
    with sending_the_1h_reminder(slow) as (now, results):
        confirm(incident, start=OTHER_START, now=now)  # the move
        moved_at = time.perf_counter()
    assert slow.done_at is not None and moved_at >= slow.done_at, (
        "the move committed while the reminder for the old time was being sent"
    )
    [result] = results
    assert result.sent == 1
    old = Reminder.objects.get(incident=incident, kind=Reminder.Kind.BEFORE_1H, version=1)
    assert old.status == S.SENT
    assert reminders_by_kind(incident)[Reminder.Kind.BEFORE_1H].version == 2


def test_a_move_is_refused_when_the_send_outlasts_the_lock_timeout(user, slow, settings):
    settings.INCIDENT_LOCK_TIMEOUT_SECONDS = 0.3
    slow.hold = 2.0
    incident = confirmed(user)
    with sending_the_1h_reminder(slow) as (now, results):
        started = time.perf_counter()
        with pytest.raises(TransitionRefused, match="being sent right now"):
            confirm(incident, start=OTHER_START, now=now)
        waited = time.perf_counter() - started
    assert waited < 1.5, "refused after the lock timeout, not after the whole send"
    assert slow.done_at is not None
    [result] = results
    assert result.sent == 1
    assert Reschedule.objects.get(incident=incident).start == START  # nothing moved

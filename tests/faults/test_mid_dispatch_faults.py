"""Faults that strike while a dispatcher is inside a batch (issue 13): Redis killed under a busy
worker, the database connection dropped right after the server's 250, a move committed while
the mail server holds the previous message, an expiry reached while the row waits for its turn,
a 421 that closes the socket, and one reply that takes almost EMAIL_TIMEOUT. Each test prints
one FAULT line with what was lost, duplicated or sent wrong."""

import time
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.integration.harness import (
    SmtpSink,
    all_sent,
    count,
    make_due_reminders,
    terminate_backends,
    wait_for,
)
from tracker.incidents import services as incidents
from tracker.reminders.models import Reminder
from tracker.zones import format_local

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def _log(proc) -> str:
    return proc.log.read_text(errors="replace")


# How long Redis stays down at each kill: a moment, then longer than a dispatch's budget (the
# running tick ends, and would be acknowledged, while there is no broker at all).
REDIS_DOWN = (1.0, 7.0)
PER_ROUND = 150


def test_redis_killed_twice_while_the_worker_is_inside_a_dispatch(
    clusters, private_redis, user, report
):
    redis = private_redis
    rounds = []
    # 30 ms a message; each round adds 150 due reminders, so each kill strikes while the
    # two pool processes are inside a dispatch (they clear ~60 a second between them).
    with SmtpSink(delay=0.03) as sink:
        cluster = clusters(redis.url, sink)
        # As docker-compose.yml runs it: two pool processes, gossip, mingle, heartbeat.
        worker = cluster.worker(concurrency=2, as_deployed=True)
        cluster.beat()
        worker.wait_ready()
        ids = []
        for n, down in enumerate(REDIS_DOWN):
            base = len(sink.received)
            ids += make_due_reminders(user, PER_ROUND)
            wait_for(lambda b=base: len(sink.received) >= b + 20, 30,
                     f"20 deliveries before kill {n + 1}", cluster)
            # Inside a dispatch: a message was taken in the last 0.3 s.
            busy = time.time() - sink.received[-1].at < 0.3
            redis.kill()
            at_kill = len(sink.received)
            time.sleep(down)
            redis.start()  # empty, on the same port
            time.sleep(3)  # the worker reconnects (or dies)
            rounds.append((busy, at_kill, down, worker.alive()))
            if not worker.alive():
                break
        if worker.alive():
            # Generous: a loaded machine sends ~10 a second; a stuck worker sends none.
            wait_for(all_sent(ids), 150, f"all {len(ids)} after two Redis restarts", cluster)
        time.sleep(2)
        got = sink.ids()
        log = _log(worker)
        alive = worker.alive()
        exit_code = worker.proc.poll()
    lost, duplicated = count(ids, got)
    died = "Unrecoverable error" in log
    report(
        f"FAULT Redis kill -9 mid-dispatch x2: {len(ids)} due; "
        + "; ".join(f"kill {i + 1} after {d} delivered (busy={b}), down {s:g} s, worker "
                    f"alive={a}" for i, (b, d, s, a) in enumerate(rounds))
        + f"; lost={lost} duplicated={duplicated} worker_exit={exit_code} "
        f"unrecoverable_error={died}"
    )
    assert all(b for b, *_ in rounds), "each kill must strike while a dispatch is running"
    assert alive and not died, "the worker must survive Redis restarts:\n" + log[-3000:]
    assert (lost, duplicated) == (0, 0)


# --- the dispatcher's database connection dropped right after the server's 250 ---------------

LEASE = 10.0  # REMINDER_LEASE_SECONDS of the harness
APP = "faults-dispatcher"  # the workers' application_name (PGAPPNAME) in pg_stat_activity


def test_database_connection_killed_right_after_the_250_sends_once_and_marks_it_sent(
    redis_broker, clusters, user, report
):
    ids = make_due_reminders(user, 5)
    target = Reminder.objects.filter(message_id__in=ids).order_by("due_at", "pk")[0].message_id
    killed: list[int] = []
    killed_at: list[float] = []

    def kill_the_dispatchers_connection(received):
        # The message is taken; before the 250 goes out, the dispatcher's backend is gone.
        if received.message_id == target and not killed:
            killed.extend(terminate_backends(APP))
            killed_at.append(time.time())

    with SmtpSink() as sink:
        sink.handler.on_accept = kill_the_dispatchers_connection
        cluster = clusters(redis_broker, sink, PGAPPNAME=APP)
        cluster.worker()
        cluster.beat()
        wait_for(all_sent(ids), 40, "all 5 to be marked sent", cluster)
        # A row left `sending` would go again once its lease ran out: wait that long.
        time.sleep(LEASE + 2)
        got = sink.ids()
        received = sink.received
    lost, duplicated = count(ids, got)
    row = Reminder.objects.get(message_id=target)
    rest = [r.at for r in received if r.message_id != target]
    rest_after = max(rest) - killed_at[0] if rest and killed_at else float("nan")
    report(
        f"FAULT pg_terminate_backend after the 250: 5 due, {len(killed)} backend(s) killed; "
        f"target status={row.status} delivered={got[target]}; rest of the batch done "
        f"{rest_after:.1f} s after the kill; lost={lost} duplicated={duplicated}"
    )
    assert killed, "the dispatcher's connection must have been terminated"
    assert row.status == "sent" and got[target] == 1
    assert (lost, duplicated) == (0, 0)
    assert rest_after < LEASE / 2, "the rest of the batch must not wait out the lease"


# --- a move committed while the mail server holds the previous message of the batch ----------

ZONES = ("Europe/Berlin", "America/Chicago", "America/New_York")
REMINDER_KINDS = ("before_24h", "before_1h")


def _times_in(received) -> tuple[datetime | None, str]:
    """(the .ics DTSTART, the plain text) of a received reminder."""
    msg = received.email
    dtstart, text = None, ""
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_content())
            for event in cal.walk("VEVENT"):
                dtstart = event.decoded("DTSTART")
        elif part.get_content_type() == "text/plain" and not part.is_attachment():
            text += part.get_content()
    return dtstart, text


def _mentions(text: str, start: datetime) -> bool:
    return any(format_local(start, z) in text for z in ZONES)


def test_a_move_committed_while_the_previous_message_is_held_sends_nothing_for_the_old_time(
    redis_broker, clusters, report
):
    held_user = UserFactory(email="held@example.com")
    moved_user = UserFactory(email="moved@example.com")
    now = datetime.now(UTC).replace(microsecond=0)
    # One batch: the held reminder first (due earlier), then the one whose interview moves.
    [held_id] = make_due_reminders(held_user, 1, due_at=now - timedelta(seconds=40))
    [moved_id] = make_due_reminders(moved_user, 1, due_at=now - timedelta(seconds=20))
    moved_row = Reminder.objects.select_related("incident", "reschedule").get(
        message_id=moved_id
    )
    incident, old_start = moved_row.incident, moved_row.reschedule.start
    new_start = old_start + timedelta(days=2)
    moved_at: list[float] = []
    errors: list[BaseException] = []

    def move_while_held(received):
        if received.message_id != held_id or moved_at:
            return
        try:
            incidents.reschedule_confirm(
                incident=incident, start=new_start, time_zone="Europe/Berlin",
                duration_minutes=45, format="video", location="https://meet.example/x",
                now=datetime.now(UTC),
            )
            moved_at.append(time.time())  # returned: committed
        except BaseException as exc:  # shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # this thread's connection
        time.sleep(0.5)  # and the held message is answered a little after the commit

    with SmtpSink() as sink:
        sink.handler.on_accept = move_while_held
        cluster = clusters(redis_broker, sink)
        cluster.worker()
        cluster.beat()
        wait_for(lambda: Reminder.objects.filter(
            message_id=moved_id, status__in=("sent", "cancelled")).exists(),
            40, "the moved interview's old reminder to be settled", cluster)
        wait_for(all_sent([held_id]), 20, "the held reminder", cluster)
        time.sleep(2)  # whatever else goes out (the new time's reminder is not due)
        received = sink.received
    assert not errors, errors
    assert moved_at, "the move must have run while the message was held"
    held_start = Reminder.objects.get(message_id=held_id).reschedule.start
    stale = []
    for r in received:
        # The interview's time when the message arrived.
        if r.message_id == held_id:
            expected, other = held_start, None
        elif r.at > moved_at[0]:
            expected, other = new_start, old_start
        else:
            expected, other = old_start, new_start
        dtstart, text = _times_in(r)
        kind = (r.email["X-Tracker-Reminder"] or "  ").split(" ")[1]
        # Any .ics carries the time of the moment; an "in 24 hours" / "in 1 hour" reminder
        # names that time and no other (a notice of the move may name the old one as such).
        wrong_ics = dtstart is not None and dtstart != expected
        wrong_text = kind in REMINDER_KINDS and (
            not _mentions(text, expected) or (other is not None and _mentions(text, other))
        )
        if wrong_ics or wrong_text:
            stale.append((r.message_id, f"{r.at - moved_at[0]:+.3f} s", str(dtstart)))
    row = Reminder.objects.get(message_id=moved_id)
    report(
        f"FAULT move committed while the previous message was held: old reminder "
        f"status={row.status}; {len(received)} received, {len(stale)} with a time other than "
        f"the interview's at arrival: {stale}"
    )
    assert stale == [], "an email with the old time arrived after the move committed"
    assert row.status == "cancelled" and "moved" in row.reason


# --- an expiry that falls between the claim and the row's turn in the batch --------------------


def test_a_reminder_that_expires_while_waiting_for_its_turn_is_expired_not_sent(
    redis_broker, clusters, report
):
    slow_user = UserFactory(email="slow@example.com")
    late_user = UserFactory(email="late@example.com")
    # The first message of the batch takes 4 s (well inside the lease, so that no cut-off
    # for the lease stops the batch first); the second one expires 2.5 s after it is written,
    # between its claim (within a tick) and its turn.
    with SmtpSink(script={"slow@example.com": ["wait:4"]}) as sink:
        cluster = clusters(redis_broker, sink)
        worker = cluster.worker()
        cluster.beat()
        # Ticking already: the rows below are claimed within a tick of being written.
        wait_for(lambda: "succeeded in" in _log(worker), 30, "the first tick", cluster)
        now = datetime.now(UTC)
        [slow_id] = make_due_reminders(slow_user, 1, due_at=now - timedelta(seconds=40))
        [late_id] = make_due_reminders(late_user, 1, due_at=now - timedelta(seconds=20))
        expires_at = now + timedelta(seconds=2.5)
        Reminder.objects.filter(message_id=late_id).update(expires_at=expires_at)
        wait_for(lambda: Reminder.objects.filter(
            message_id=late_id, status__in=("sent", "expired")).exists(),
            30, "the late reminder to be settled", cluster)
        wait_for(all_sent([slow_id]), 20, "the slow reminder", cluster)
        got = sink.ids()
        late_at = [r.at for r in sink.received if r.message_id == late_id]
    row = Reminder.objects.get(message_id=late_id)
    claimed_before = row.claimed_at is not None and row.claimed_at < expires_at
    after = f"{late_at[0] - expires_at.timestamp():+.1f} s after its expiry" if late_at else ""
    report(
        f"FAULT expiry between claim and turn: status={row.status} "
        f"claimed {(expires_at - row.claimed_at).total_seconds():.1f} s before expiry; "
        f"delivered={got[late_id]} {after}"
    )
    assert claimed_before and row.attempts == 1, "it must have been claimed before it expired"
    assert got[late_id] == 0, "a reminder past its expiry must never be sent"
    assert row.status == "expired"


# --- a 421 closes smtplib's socket: the next, innocent message must not pay for it ------------


def test_a_421_then_250_sends_the_next_message_on_its_first_attempt(
    redis_broker, clusters, report
):
    closing = UserFactory(email="closing@example.com")
    innocent = UserFactory(email="innocent@example.com")
    now = datetime.now(UTC)
    [closing_id] = make_due_reminders(closing, 1, due_at=now - timedelta(seconds=40))
    [innocent_id] = make_due_reminders(innocent, 1, due_at=now - timedelta(seconds=20))
    with SmtpSink(script={"closing@example.com": ["421"]}) as sink:
        cluster = clusters(redis_broker, sink)
        worker = cluster.worker()
        cluster.beat()
        wait_for(all_sent([closing_id, innocent_id]), 40, "both reminders", cluster)
        got, attempts = sink.ids(), sink.handler.attempts
    rows = {r.message_id: r for r in Reminder.objects.filter(
        message_id__in=[closing_id, innocent_id])}
    not_connected = worker.log.read_text().count("please run connect() first")
    report(
        f"FAULT SMTP 421 then 250: closing status={rows[closing_id].status} "
        f"attempts={rows[closing_id].attempts}; innocent status={rows[innocent_id].status} "
        f"attempts={rows[innocent_id].attempts} delivered={got[innocent_id]}; "
        f"'please run connect() first' x{not_connected}"
    )
    assert rows[innocent_id].attempts == 1 and not_connected == 0
    assert got[innocent_id] == 1 and attempts["innocent@example.com"] == 1
    assert rows[closing_id].attempts == 2 and got[closing_id] == 1


# --- one reply that takes almost EMAIL_TIMEOUT, with the shortest lease the check allows -------


def test_a_reply_taking_almost_email_timeout_is_not_sent_twice_by_two_workers(
    redis_broker, clusters, report
):
    # EMAIL_TIMEOUT 8 s and a 9 s lease: the shortest the system check accepts with a 1 s
    # margin. Six quick messages (0.5 s each), then one answered in EMAIL_TIMEOUT - 1 = 7 s.
    quick = UserFactory(email="quick@example.com")
    slow = UserFactory(email="slow@example.com")
    now = datetime.now(UTC)
    quick_ids = make_due_reminders(quick, 6, due_at=now - timedelta(seconds=40))
    [slow_id] = make_due_reminders(slow, 1, due_at=now - timedelta(seconds=20))
    ids = [*quick_ids, slow_id]
    script = {"quick@example.com": ["wait:0.5"] * 6, "slow@example.com": ["wait:7"]}
    with SmtpSink(script=script) as sink:
        cluster = clusters(redis_broker, sink, EMAIL_TIMEOUT=8, REMINDER_LEASE_SECONDS=9,
                           REMINDER_LEASE_MARGIN_SECONDS=1, REMINDER_TICK_SECONDS=0.2)
        workers = [cluster.worker(), cluster.worker()]
        cluster.beat()
        wait_for(all_sent(ids), 45, "all 7 reminders", cluster)
        time.sleep(3)
        got = sink.ids()
    lost, duplicated = count(ids, got)
    lease_lost = sum(w.log.read_text().count("after its lease was lost") for w in workers)
    report(
        f"FAULT reply in EMAIL_TIMEOUT - 1 (7 s) with a 9 s lease, two workers: slow one "
        f"delivered {got[slow_id]} time(s); 'sent after its lease was lost' x{lease_lost}; "
        f"lost={lost} duplicated={duplicated}"
    )
    assert (lost, duplicated) == (0, 0)
    assert lease_lost == 0

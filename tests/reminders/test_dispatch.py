"""The dispatcher in-process: claims, leases, expiry, re-checks, SMTP outcomes."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from tests import scenarios
from tests.scenarios import START, confirm, notices_sent, reminders_by_kind
from tracker.incidents import services as incidents
from tracker.reminders import dispatch
from tracker.reminders.models import Reminder


def confirmed(owner, **kw):
    """Confirmed, its confirmation email already sent (the dispatcher sends it at once): the
    tests here are about the reminders that follow."""
    return notices_sent(scenarios.confirmed(owner, **kw))

pytestmark = pytest.mark.django_db
S = Reminder.Status
K = Reminder.Kind
DUE_1H = START - timedelta(hours=1)


class ScriptedBackend(LocmemBackend):
    """locmem, but each send takes the next outcome from `script` (an exception or None),
    and every open() is counted."""

    script: list = []
    opened = 0

    def open(self):
        if not getattr(self, "_open", False):
            ScriptedBackend.opened += 1
            self._open = True
        return True

    def close(self):
        self._open = False

    def send_messages(self, messages):
        self.open()
        if ScriptedBackend.script:
            outcome = ScriptedBackend.script.pop(0)
            if outcome is not None:
                raise outcome
        return super().send_messages(messages)


def send_by_smtp(settings, port):
    """Django's SMTP backend to 127.0.0.1:`port`, with no login and no TLS."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


def run_when_the_1h_reminders_are_due():
    """One dispatcher run a second after the 1 h reminders fell due."""
    with time_machine.travel(DUE_1H + timedelta(seconds=1), tick=False):
        return dispatch.run()


@pytest.fixture
def scripted(settings):
    settings.EMAIL_BACKEND = "tests.reminders.test_dispatch.ScriptedBackend"
    ScriptedBackend.script = []
    ScriptedBackend.opened = 0
    return ScriptedBackend


def test_due_reminder_is_sent_once_and_marked_sent(user):
    incident = confirmed(user)
    with time_machine.travel(DUE_1H + timedelta(seconds=5), tick=False):
        result = dispatch.run()
        again = dispatch.run()
    assert result.sent == 1 and result.expired == 1  # the 24 h one expired at start - 2 h
    assert again.sent == 0 and len(mail.outbox) == 1
    r = reminders_by_kind(incident)
    assert r[K.BEFORE_1H].status == S.SENT
    assert r[K.BEFORE_1H].sent_at == DUE_1H + timedelta(seconds=5)
    subjects = [m.subject for m in mail.outbox]
    assert any(s.startswith("In 1 hour:") for s in subjects)
    assert all(m.extra_headers["Message-ID"] for m in mail.outbox)


def test_reminder_past_its_expiry_becomes_expired_and_is_never_sent_late(user):
    incident = confirmed(user)
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        result = dispatch.run()
    r = reminders_by_kind(incident)
    assert r[K.BEFORE_1H].status == S.EXPIRED and r[K.BEFORE_24H].status == S.EXPIRED
    assert "expired" in r[K.BEFORE_1H].reason
    assert result.sent == 0 and mail.outbox == []


def test_reminder_is_claimed_at_its_due_time_not_before(user):
    confirmed(user)
    due = START - timedelta(hours=24)
    lease = timedelta(seconds=60)
    assert dispatch.claim(now=due - timedelta(seconds=1), limit=50, lease=lease)[1] == []
    assert dispatch.claim(now=due, limit=50, lease=lease)[1] == [
        Reminder.objects.get(kind=K.BEFORE_24H).pk
    ]


def test_two_dispatchers_claim_disjoint_rows(user):
    for _ in range(3):
        confirmed(user)
    now = DUE_1H + timedelta(seconds=1)
    dispatch.expire_overdue(now)
    t1, first = dispatch.claim(now=now, limit=2, lease=timedelta(seconds=60))
    t2, second = dispatch.claim(now=now, limit=50, lease=timedelta(seconds=60))
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    assert Reminder.objects.filter(lease_token=t1).count() == len(first)


def test_expired_lease_returns_the_row_to_pending_and_it_is_sent_once(user):
    incident = confirmed(user)
    now = DUE_1H + timedelta(seconds=1)
    token, ids = dispatch.claim(now=now, limit=50, lease=timedelta(seconds=30))
    assert reminders_by_kind(incident)[K.BEFORE_1H].status == S.SENDING
    # The worker holding it died: nothing happens until the lease runs out ...
    with time_machine.travel(now + timedelta(seconds=10), tick=False):
        assert dispatch.run().sent == 0
    with time_machine.travel(now + timedelta(seconds=31), tick=False):
        assert dispatch.run().sent == 1
    assert reminders_by_kind(incident)[K.BEFORE_1H].status == S.SENT
    # ... and the dead worker's late mark cannot overwrite the new owner's.
    assert dispatch._finish(ids[0], token, status=S.FAILED) is False


def test_version_recheck_cancels_a_claimed_reminder_for_the_old_time(user):
    incident = confirmed(user)
    now = DUE_1H + timedelta(seconds=1)
    token, ids = dispatch.claim(now=now, limit=50, lease=timedelta(seconds=60))
    # Moved after the claim, before the send.
    confirm(incident, start=START + timedelta(days=2), now=now)
    with time_machine.travel(now, tick=False):
        result = dispatch.process(token, ids, lease=timedelta(seconds=60))
    assert result.sent == 0 and mail.outbox == []
    old = Reminder.objects.get(incident=incident, kind=K.BEFORE_1H, version=1)
    assert old.status == S.CANCELLED and "moved" in old.reason


def test_reminder_for_a_closed_incident_is_cancelled_not_sent(user):
    incident = confirmed(user)
    now = DUE_1H + timedelta(seconds=1)
    token, ids = dispatch.claim(now=now, limit=50, lease=timedelta(seconds=60))
    incidents.incident_close(incident=incident, outcome="moved_on", now=now)
    with time_machine.travel(now, tick=False):
        dispatch.process(token, ids, lease=timedelta(seconds=60))
    assert mail.outbox == []
    assert reminders_by_kind(incident)[K.BEFORE_1H].status == S.CANCELLED


def test_one_smtp_connection_per_batch(user, settings):
    from tests.integration.harness import SmtpSink

    for _ in range(3):
        confirmed(user)
    with SmtpSink() as sink:
        send_by_smtp(settings, sink.port)
        result = run_when_the_1h_reminders_are_due()
    assert result.sent == 3 and result.batches == 1
    assert len(sink.received) == 3
    assert sink.handler.sessions == 1


def test_smtp_4xx_retries_with_capped_backoff_then_sends(user, scripted, settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 10
    settings.REMINDER_RETRY_CAP_SECONDS = 15
    incident = confirmed(user)
    busy = smtplib.SMTPDataError(451, b"4.3.0 Try again later")
    scripted.script = [busy, busy]
    t = DUE_1H + timedelta(seconds=1)
    with time_machine.travel(t, tick=False):
        assert dispatch.run().retrying == 1
    r = reminders_by_kind(incident)[K.BEFORE_1H]
    assert r.status == S.PENDING and "451" in r.last_error
    assert r.next_attempt_at == t + timedelta(seconds=10)
    with time_machine.travel(t + timedelta(seconds=5), tick=False):
        assert dispatch.run().retrying == 0  # still backing off
    with time_machine.travel(t + timedelta(seconds=11), tick=False):
        assert dispatch.run().retrying == 1
    r.refresh_from_db()
    assert r.next_attempt_at == t + timedelta(seconds=11 + 15)  # 20 s capped at 15
    with time_machine.travel(t + timedelta(seconds=27), tick=False):
        assert dispatch.run().sent == 1
    r.refresh_from_db()
    assert r.status == S.SENT and r.attempts == 3 and len(mail.outbox) == 1


def test_smtp_5xx_marks_failed_with_the_error_and_no_retry(user, scripted):
    incident = confirmed(user)
    scripted.script = [
        smtplib.SMTPRecipientsRefused({user.email: (550, b"5.1.1 No such user")})
    ]
    assert run_when_the_1h_reminders_are_due().failed == 1
    with time_machine.travel(DUE_1H + timedelta(minutes=5), tick=False):
        assert dispatch.run().sent == 0
    r = reminders_by_kind(incident)[K.BEFORE_1H]
    assert r.status == S.FAILED and "550" in r.last_error and r.attempts == 1


def test_disconnect_is_retried(user, scripted, settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 1
    incident = confirmed(user)
    scripted.script = [smtplib.SMTPServerDisconnected("Connection unexpectedly closed")]
    t = DUE_1H + timedelta(seconds=1)
    with time_machine.travel(t, tick=False):
        assert dispatch.run().retrying == 1
    with time_machine.travel(t + timedelta(seconds=2), tick=False):
        assert dispatch.run().sent == 1
    assert reminders_by_kind(incident)[K.BEFORE_1H].status == S.SENT


def test_gives_up_after_max_attempts(user, scripted, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    settings.REMINDER_RETRY_BASE_SECONDS = 1
    incident = confirmed(user)
    scripted.script = [smtplib.SMTPDataError(451, b"busy")] * 2
    t = DUE_1H + timedelta(seconds=1)
    with time_machine.travel(t, tick=False):
        dispatch.run()
    with time_machine.travel(t + timedelta(seconds=2), tick=False):
        dispatch.run()
    r = reminders_by_kind(incident)[K.BEFORE_1H]
    assert r.status == S.FAILED and "Gave up after 2 attempts" in r.last_error


def test_message_id_is_derived_from_the_reminder(user):
    incident = confirmed(user)
    r = reminders_by_kind(incident)[K.BEFORE_1H]
    run_when_the_1h_reminders_are_due()
    sent = [m for m in mail.outbox if m.subject.startswith("In 1 hour")][0]
    assert sent.extra_headers["Message-ID"] == r.message_id
    assert r.message_id == (
        f"<reminder.{incident.pk}.r{r.reschedule_id}.before_1h.v1@127.0.0.1>"
    )


def test_person_without_email_gets_a_visible_failure(user):
    incident = confirmed(user)
    user.email = ""
    user.save()
    run_when_the_1h_reminders_are_due()
    r = reminders_by_kind(incident)[K.BEFORE_1H]
    assert r.status == S.FAILED and "no email address" in r.last_error


def test_batch_stops_starting_sends_once_its_time_budget_is_spent(user, settings, monkeypatch):
    confirmed(user)
    confirmed(user)
    settings.REMINDER_DISPATCH_BUDGET_SECONDS = 60
    # Read at the start (the deadline), then before each row.
    clock = iter([0.0, 0.0, 1_000.0, 1_000.0, 1_000.0])
    monkeypatch.setattr(dispatch.time, "monotonic", lambda: next(clock, 1_000.0))
    now = DUE_1H + timedelta(seconds=1)
    token, ids = dispatch.claim(now=now, limit=50, lease=timedelta(seconds=60))
    with time_machine.travel(now, tick=False):
        result = dispatch.process(token, ids, lease=timedelta(seconds=60))
    assert result.sent == 1 and result.released == 1
    assert Reminder.objects.filter(status=S.PENDING, kind=K.BEFORE_1H).count() == 1


def test_reminder_of_an_incident_deleted_after_the_claim_is_not_sent(user):
    incident = confirmed(user)
    now = DUE_1H + timedelta(seconds=1)
    token, ids = dispatch.claim(now=now, limit=50, lease=timedelta(seconds=60))
    assert ids
    incident.delete()
    with time_machine.travel(now, tick=False):
        result = dispatch.process(token, ids, lease=timedelta(seconds=60))
    assert result.sent == 0 and mail.outbox == []
    assert not Reminder.objects.filter(pk__in=ids).exists()


class ClosingBackend(LocmemBackend):
    """Closes one incident (through the service) while the first message is being sent."""

    close_incident = None

    def send_messages(self, messages):
        target, ClosingBackend.close_incident = ClosingBackend.close_incident, None
        if target is not None:
            incidents.incident_close(incident=target, outcome="moved_on",
                                     now=DUE_1H + timedelta(seconds=2))
        return super().send_messages(messages)


def test_a_close_committed_while_the_batch_is_sending_stops_its_unsent_reminder(user, settings):
    from tracker.incidents.models import Incident

    for _ in range(3):
        confirmed(user)
    now = DUE_1H + timedelta(seconds=1)
    dispatch.expire_overdue(now)
    token, ids = dispatch.claim(now=now, limit=50, lease=timedelta(seconds=60))
    last = Reminder.objects.get(pk=ids[-1])
    settings.EMAIL_BACKEND = "tests.reminders.test_dispatch.ClosingBackend"
    ClosingBackend.close_incident = Incident.objects.get(pk=last.incident_id)
    with time_machine.travel(now, tick=False):
        result = dispatch.process(token, ids, lease=timedelta(seconds=60))
    # Each row is checked just before its own send: the close stops the one not yet sent.
    assert result.sent == 2 and result.cancelled == 1
    last.refresh_from_db()
    assert last.status == S.CANCELLED and last.reason == "The incident is closed."


def test_unreachable_server_sends_the_whole_batch_back_with_backoff(user, settings):
    from tests.integration.harness import free_port

    confirmed(user)
    confirmed(user)
    send_by_smtp(settings, free_port())
    settings.REMINDER_RETRY_BASE_SECONDS = 30
    now = DUE_1H + timedelta(seconds=1)
    with time_machine.travel(now, tick=False):
        result = dispatch.run()
    assert result.retrying == 2 and result.sent == 0
    for r in Reminder.objects.filter(kind=K.BEFORE_1H):
        assert r.status == S.PENDING and "refused" in r.last_error.lower()
        assert r.next_attempt_at == now + timedelta(seconds=30)


# --- issue 13: what a dispatcher must survive inside a batch ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_sent_mark_that_fails_after_the_250_is_written_again_not_sent_twice(
    user, monkeypatch
):
    from django.db import DatabaseError, OperationalError

    confirmed(user)
    confirmed(user)
    now = DUE_1H + timedelta(seconds=1)
    lease = timedelta(seconds=60)
    dispatch.expire_overdue(now)
    token, ids = dispatch.claim(now=now, limit=50, lease=lease)
    mark, calls = dispatch._mark_sent, []

    def mark_fails_once(pk, token):
        calls.append(pk)
        if len(calls) == 1:  # the server said 250; then the database connection died
            raise OperationalError("server closed the connection unexpectedly")
        return mark(pk, token)

    monkeypatch.setattr(dispatch, "_mark_sent", mark_fails_once)
    with time_machine.travel(now, tick=False):
        try:
            result = dispatch.process(token, ids, lease=lease)
        except DatabaseError:  # (the dispatcher before issue 13 gave up here)
            result = None
    # Once the lease has run out, a row nobody marked would be sent again.
    with time_machine.travel(now + lease + timedelta(seconds=1), tick=False):
        dispatch.run()
    assert len(mail.outbox) == 2, "sent twice: the failed mark left the row to its lease"
    assert result is not None and result.sent == 2  # the rest of the batch went on
    assert set(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.SENT}
    # What follows a sent 1 h reminder follows the rewritten mark too: the "not ready yet"
    # escalation, for both interviews (the first one's mark is the one written again).
    first = Reminder.objects.get(pk=calls[0])
    assert first.kind == K.BEFORE_1H
    for incident_id in Reminder.objects.filter(pk__in=ids).values_list("incident", flat=True):
        escalation = Reminder.objects.get(incident=incident_id, kind=K.ESCALATION)
        assert escalation.status == S.PENDING


def test_a_421_resets_the_connection_for_the_next_message(user, scripted):
    confirmed(user)
    innocent = confirmed(user)
    scripted.script = [smtplib.SMTPDataError(421, b"4.3.2 Service not available, closing")]
    result = run_when_the_1h_reminders_are_due()
    assert result.retrying == 1 and result.sent == 1
    # smtplib closed its socket on the 421: the next message opened a fresh connection.
    assert scripted.opened == 2
    r = reminders_by_kind(innocent)[K.BEFORE_1H]
    assert r.status == S.SENT and r.attempts == 1


def test_a_421_from_a_real_server_does_not_cost_the_next_message_an_attempt(user, settings):
    from tests.factories import UserFactory
    from tests.integration.harness import SmtpSink

    confirmed(user)
    innocent = confirmed(UserFactory(email="innocent@example.com"))
    with SmtpSink(script={user.email: ["421"]}) as sink:
        send_by_smtp(settings, sink.port)
        result = run_when_the_1h_reminders_are_due()
    r = reminders_by_kind(innocent)[K.BEFORE_1H]
    assert (r.status, r.attempts, r.last_error) == (S.SENT, 1, "")
    assert result.retrying == 1 and result.sent == 1
    assert sink.handler.attempts["innocent@example.com"] == 1 and sink.handler.sessions == 2


class ClockMovingBackend(LocmemBackend):
    """locmem, but the first send takes `took` of (travelled) time."""

    traveller = None
    took = timedelta(0)

    def send_messages(self, messages):
        traveller, ClockMovingBackend.traveller = ClockMovingBackend.traveller, None
        if traveller is not None:
            traveller.shift(ClockMovingBackend.took)
        return super().send_messages(messages)


def test_a_reminder_that_expires_while_waiting_for_its_turn_is_expired_not_sent(
    user, other_user, settings
):
    confirmed(user)
    late_incident = confirmed(other_user)
    now = DUE_1H + timedelta(seconds=1)
    dispatch.expire_overdue(now)
    token, ids = dispatch.claim(now=now, limit=50, lease=timedelta(seconds=60))
    late = reminders_by_kind(late_incident)[K.BEFORE_1H]
    assert late.pk == ids[-1] and late.status == S.SENDING
    Reminder.objects.filter(pk=late.pk).update(expires_at=now + timedelta(seconds=2))
    settings.EMAIL_BACKEND = "tests.reminders.test_dispatch.ClockMovingBackend"
    with time_machine.travel(now, tick=False) as traveller:
        ClockMovingBackend.traveller, ClockMovingBackend.took = traveller, timedelta(seconds=5)
        result = dispatch.process(token, ids, lease=timedelta(seconds=60))
    late.refresh_from_db()
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert late.status == S.EXPIRED and late.reason == dispatch.EXPIRED_REASON
    assert result.sent == 1 and result.expired == 1

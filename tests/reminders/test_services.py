"""reminders_sync and the other reminder services, through the real incident services."""

from datetime import timedelta

import pytest

from tests.scenarios import START, T0, apologised, confirm, confirmed, logged, reminders_by_kind
from tracker.incidents import services as incidents
from tracker.incidents.selectors import situation_for
from tracker.reminders import services
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
S = Reminder.Status
K = Reminder.Kind


def test_logging_an_incident_plans_the_first_hour_nudge(user):
    incident = logged(user)
    r = reminders_by_kind(incident)[K.FIRST_HOUR]
    assert r.status == S.PENDING
    assert r.due_at == T0 + timedelta(minutes=45)
    assert r.message_id.startswith(f"<reminder.{incident.pk}.i0.first_hour.v0@")


def test_first_outreach_cancels_the_first_hour_nudge_with_the_reason(user):
    incident = apologised(user)
    r = reminders_by_kind(incident)[K.FIRST_HOUR]
    assert r.status == S.CANCELLED
    assert "first outreach" in r.reason


def test_confirming_plans_24h_1h_and_thank_you_reminders_for_that_version(user):
    incident = confirmed(user)
    r = reminders_by_kind(incident, status=S.PENDING)
    assert set(r) == {K.BEFORE_24H, K.BEFORE_1H, K.THANK_YOU, K.THANK_YOU_LAST_CALL,
                      K.INTERVIEW_CONFIRMED}
    assert r[K.BEFORE_24H].due_at == START - timedelta(hours=24)
    assert r[K.BEFORE_1H].due_at == START - timedelta(hours=1)
    assert {x.version for x in r.values()} == {1}
    # The confirmation (with the invite) is due at once, until the interview is over.
    assert r[K.INTERVIEW_CONFIRMED].due_at == T0 + timedelta(hours=1)
    assert r[K.INTERVIEW_CONFIRMED].expires_at == START + timedelta(minutes=45)


def test_stale_reminder_is_cancelled_when_interview_moves(user):
    incident = confirmed(user)
    new_start = START + timedelta(days=1)
    confirm(incident, start=new_start, now=T0 + timedelta(hours=2))
    old = Reminder.objects.filter(incident=incident, version=1, kind=K.BEFORE_1H).get()
    new = Reminder.objects.filter(incident=incident, version=2, kind=K.BEFORE_1H).get()
    assert old.status == S.CANCELLED and "moved" in old.reason
    assert new.status == S.PENDING and new.due_at == new_start - timedelta(hours=1)


def test_sent_reminder_is_never_touched_by_a_move(user):
    incident = confirmed(user)
    sent = reminders_by_kind(incident)[K.BEFORE_24H]
    Reminder.objects.filter(pk=sent.pk).update(status=S.SENT, sent_at=START - timedelta(hours=24))
    confirm(incident, start=START + timedelta(hours=3), now=START - timedelta(hours=23))
    sent.refresh_from_db()
    assert sent.status == S.SENT and sent.reason == ""


def test_interview_confirmed_five_hours_ahead_has_its_24h_reminder_caught_up_at_once(user):
    incident = apologised(user)
    now = T0 + timedelta(hours=1)
    confirm(incident, start=now + timedelta(hours=5), now=now)
    r = reminders_by_kind(incident)
    assert r[K.BEFORE_24H].status == S.PENDING and r[K.BEFORE_24H].due_at == now
    assert "sent at once" in r[K.BEFORE_24H].reason
    assert r[K.BEFORE_1H].status == S.PENDING and r[K.BEFORE_1H].reason == ""


def test_interview_confirmed_90_minutes_ahead_stores_its_24h_reminder_as_skipped(user):
    incident = apologised(user)
    now = T0 + timedelta(hours=1)
    confirm(incident, start=now + timedelta(minutes=90), now=now)
    r = reminders_by_kind(incident)
    assert r[K.BEFORE_24H].status == S.SKIPPED  # its use ended 2 hours before the start
    assert "already due" in r[K.BEFORE_24H].reason
    assert r[K.BEFORE_1H].status == S.PENDING


def test_a_kind_turned_off_is_skipped_with_that_reason(user):
    user.profile.reminders_off = [K.BEFORE_1H]
    user.profile.save()
    incident = confirmed(user)
    r = reminders_by_kind(incident)
    assert r[K.BEFORE_1H].status == S.SKIPPED and "turned off" in r[K.BEFORE_1H].reason
    assert r[K.BEFORE_24H].status == S.PENDING


def test_turning_a_kind_back_on_revives_it_at_the_next_sync(user):
    user.profile.reminders_off = [K.BEFORE_1H]
    user.profile.save()
    incident = confirmed(user)
    user.profile.reminders_off = []
    user.profile.save()
    incident.refresh_from_db()
    services.reminders_sync(incident=incident, now=T0 + timedelta(hours=2))
    assert reminders_by_kind(incident)[K.BEFORE_1H].status == S.PENDING


def test_cancelling_the_interview_cancels_its_reminders(user):
    incident = confirmed(user)
    reschedule = situation_for(incident).current
    incidents.reschedule_cancel(reschedule=reschedule, now=T0 + timedelta(hours=3))
    pending = Reminder.objects.filter(incident=incident, status=S.PENDING)
    # Only the cancellation is left to send, at once.
    assert [(r.kind, r.due_at) for r in pending] == [
        (K.INTERVIEW_CALLED_OFF, T0 + timedelta(hours=3))
    ]
    assert "called off" in reminders_by_kind(incident)[K.BEFORE_1H].reason


def test_closing_cancels_pending_and_reopening_revives_those_still_ahead(user):
    incident = confirmed(user)
    incidents.incident_close(incident=incident, outcome="moved_on", now=T0 + timedelta(hours=3))
    assert not Reminder.objects.filter(incident=incident, status=S.PENDING).exists()
    assert reminders_by_kind(incident)[K.BEFORE_1H].reason == "The incident is closed."
    incident.refresh_from_db()
    incidents.incident_reopen(incident=incident, now=T0 + timedelta(hours=4))
    assert reminders_by_kind(incident)[K.BEFORE_1H].status == S.PENDING


def test_sync_twice_changes_nothing(user):
    incident = confirmed(user)
    before = list(Reminder.objects.filter(incident=incident).values())
    counts = services.reminders_sync(incident=incident, now=T0 + timedelta(hours=2))
    assert not any(counts.values())
    assert list(Reminder.objects.filter(incident=incident).values()) == before


def test_reply_cancels_the_follow_up_nudge(user):
    incident = apologised(user)
    r = incidents.reschedule_request(
        incident=incident,
        slots=[(START, "Asia/Kolkata"), (START + timedelta(hours=2), "Asia/Kolkata")],
        now=T0 + timedelta(minutes=30),
    )
    nudge = reminders_by_kind(incident)[K.FOLLOW_UP]
    assert nudge.status == S.PENDING and nudge.reschedule_id == r.pk
    incidents.reschedule_reply(
        reschedule=r, reply="accepted", accepted_slot=r.slots.first(),
        now=T0 + timedelta(hours=5),
    )
    nudge.refresh_from_db()
    assert nudge.status == S.CANCELLED


def test_thank_you_sent_cancels_the_thank_you_nudges(user):
    incident = confirmed(user)
    incidents.interview_attended(incident=incident, now=START + timedelta(minutes=50))
    incident.refresh_from_db()
    incidents.thank_you_sent(incident=incident, now=START + timedelta(minutes=55))
    r = reminders_by_kind(incident)
    assert r[K.THANK_YOU].status == S.CANCELLED
    assert r[K.THANK_YOU_LAST_CALL].status == S.CANCELLED
    assert "thank-you" in r[K.THANK_YOU].reason


def test_test_reminder_is_due_now_and_throttled(user, django_capture_on_commit_callbacks):
    incident = confirmed(user)
    now = T0 + timedelta(hours=2)
    with django_capture_on_commit_callbacks() as callbacks:
        r = services.reminder_send_test(incident=incident, now=now)
    assert r.status == S.PENDING and r.due_at == now and r.version == 1
    assert len(callbacks) == 1
    with pytest.raises(services.ReminderRefused):
        services.reminder_send_test(incident=incident, now=now + timedelta(seconds=10))
    again = services.reminder_send_test(incident=incident, now=now + timedelta(minutes=2))
    assert again.version == 2 and again.message_id != r.message_id


def test_retry_requeues_a_failed_reminder_unless_it_expired(user):
    incident = confirmed(user)
    r = reminders_by_kind(incident)
    Reminder.objects.filter(pk__in=[r[K.BEFORE_24H].pk, r[K.BEFORE_1H].pk]).update(
        status=S.FAILED, last_error="SMTP 550 no such user", attempts=1
    )
    now = START - timedelta(minutes=90)  # the 24 h one expired at start - 2 h
    requeued, late = services.reminders_retry(
        reminders=Reminder.objects.filter(status=S.FAILED), now=now
    )
    assert (requeued, late) == (1, 1)
    assert reminders_by_kind(incident)[K.BEFORE_1H].status == S.PENDING
    assert reminders_by_kind(incident)[K.BEFORE_24H].status == S.FAILED


def test_staff_cancel_sticks_through_the_next_sync(user):
    incident = confirmed(user)
    one = Reminder.objects.filter(incident=incident, kind=K.BEFORE_1H)
    assert services.reminders_cancel(reminders=one, now=T0 + timedelta(hours=2)) == 1
    services.reminders_sync(incident=incident, now=T0 + timedelta(hours=3))
    assert one.get().status == S.CANCELLED


def test_the_profiles_reminder_choices_are_the_kinds_a_person_can_turn_off():
    from tracker.accounts.forms import REMINDER_KINDS

    assert list(Reminder.OPTIONAL_KINDS) == REMINDER_KINDS


def test_turning_a_kind_off_in_the_profile_skips_its_pending_reminders(user):
    from tracker.accounts.services import profile_update

    incident = confirmed(user)
    p = user.profile
    profile_update(profile=p, full_name=p.full_name, phone=p.phone, time_zone=p.time_zone,
                   partner_email="", reminders_off=[K.BEFORE_24H], now=T0 + timedelta(hours=2))
    r = reminders_by_kind(incident)
    assert r[K.BEFORE_24H].status == S.SKIPPED and "turned off" in r[K.BEFORE_24H].reason
    assert r[K.BEFORE_1H].status == S.PENDING

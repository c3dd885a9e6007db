"""Every write of the incident domain: what it writes, the timeline event, the reminder sync in
the same transaction, and every refusal."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests import scenarios
from tests.factories import ContactFactory, UserFactory
from tests.incidents.race import race_two_moves
from tests.scenarios import MISSED, OTHER_START, START, T0
from tracker.incidents import phases, services
from tracker.incidents.models import (
    Contact,
    Incident,
    Outreach,
    Reschedule,
    Safeguard,
    TimelineEvent,
)
from tracker.incidents.services import TransitionRefused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def syncs(monkeypatch):
    """Record each reminders_sync call: the incident's phase as the sync sees it in the
    database, and whether it runs inside the write's own transaction."""
    calls = []
    depth = len(connection.savepoint_ids)

    def record(*, incident, now):
        calls.append(
            {
                "incident": incident.pk,
                "now": now,
                "phase": Incident.objects.get(pk=incident.pk).phase,
                "in_write_transaction": connection.in_atomic_block
                and len(connection.savepoint_ids) > depth,
            }
        )

    monkeypatch.setattr(services, "reminders_sync", record)
    return calls


def kinds(incident):
    return list(incident.timeline.order_by("pk").values_list("kind", flat=True))


def fresh(incident):
    return Incident.objects.get(pk=incident.pk)


def assert_synced_once_inside(syncs, incident, now):
    assert syncs[-1]["incident"] == incident.pk
    assert syncs[-1]["now"] == now
    assert syncs[-1]["in_write_transaction"]


# incident_log -------------------------------------------------------------------------------


def test_log_creates_a_contain_incident_with_safeguards_an_event_and_a_sync(user, syncs):
    incident = scenarios.logged(user, interview_at=datetime(2026, 3, 2, 19, 30, tzinfo=ZoneInfo(
        "Asia/Kolkata")))
    incident = fresh(incident)
    assert incident.phase == Incident.Phase.CONTAIN
    assert incident.outcome == ""
    assert incident.interview_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert incident.discovered_at == T0
    assert kinds(incident) == ["logged"]
    assert incident.timeline.get().message == (
        "Logged the missed interview of Mon 2 Mar 2026, 19:30 IST (Asia/Kolkata)"
    )
    assert list(incident.safeguards.values_list("kind", flat=True)) == phases.safeguards_for(
        cause="timezone", format="video"
    )
    assert syncs == [
        {"incident": incident.pk, "now": T0, "phase": "contain", "in_write_transaction": True}
    ]


@pytest.mark.parametrize("cause", Incident.Cause.values)
@pytest.mark.parametrize("fmt", Incident.Format.values)
def test_log_seeds_the_safeguards_of_its_cause_first(user, cause, fmt):
    incident = scenarios.logged(user, cause=cause, format=fmt)
    seeded = list(incident.safeguards.order_by("position").values_list("kind", flat=True))
    assert seeded == phases.safeguards_for(cause=cause, format=fmt)
    assert set(seeded) <= set(Safeguard.Kind.values)


def test_log_with_a_contact_links_it_in_the_interviewers_zone(user):
    incident = scenarios.logged(
        user, contact_name="Priya Raman", contact_role="recruiter", contact_email="p@acme.example"
    )
    contact = incident.contacts.get()
    assert (contact.owner, contact.name, contact.role, contact.time_zone) == (
        user, "Priya Raman", "recruiter", "Asia/Kolkata"
    )


def test_log_defaults_discovery_to_now(user):
    incident = scenarios.logged(user, discovered_at=None, now=T0 + timedelta(minutes=3))
    assert incident.discovered_at == T0 + timedelta(minutes=3)


def test_writes_read_the_clock_once_when_no_now_is_given(user):
    at = datetime(2026, 3, 2, 14, 33, 20, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        incident = scenarios.logged(user, discovered_at=None, now=None)
        services.outreach_record(incident=incident, channel="call", result="reached")
    incident = fresh(incident)
    assert (incident.discovered_at, incident.first_outreach_at) == (at, at)
    assert set(incident.timeline.values_list("at", flat=True)) == {at}


def test_log_refuses_a_discovery_in_the_future(user):
    with pytest.raises(TransitionRefused, match="future"):
        scenarios.logged(user, discovered_at=T0 + timedelta(hours=1))
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("interview_tz", "Mars/Olympus"),
        ("candidate_tz", "localtime"),
        ("company", "x" * 121),
        ("cause", "bad luck"),
        ("format", "carrier pigeon"),
    ],
)
def test_log_refuses_bad_values_and_writes_nothing(user, field, value, syncs):
    with pytest.raises(ValidationError) as exc:
        scenarios.logged(user, **{field: value})
    assert field in exc.value.message_dict
    assert not Incident.objects.exists()
    assert not TimelineEvent.objects.exists()
    assert syncs == []


def test_log_refuses_a_naive_datetime(user):
    with pytest.raises(ValueError, match="aware"):
        scenarios.logged(user, interview_at=datetime(2026, 3, 2, 14, 0))


# outreach_record -----------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["call", "voicemail", "email"])
def test_first_apology_moves_to_correct_and_starts_nothing_else(user, channel, syncs):
    incident = scenarios.logged(user)
    at = T0 + timedelta(minutes=12)
    scenarios.apologise(incident, now=at, channel=channel)
    incident = fresh(incident)
    assert incident.phase == Incident.Phase.CORRECT
    assert incident.first_outreach_at == at
    assert incident.minutes_to_first_outreach == 12
    assert kinds(incident) == ["logged", "outreach", "phase"]
    assert incident.timeline.last().message == "Phase: Contain → Correct"
    assert syncs[-1]["phase"] == "correct"
    assert_synced_once_inside(syncs, incident, at)


def test_a_message_is_logged_but_stays_in_contain(user):
    incident = scenarios.logged(user)
    services.outreach_record(incident=incident, channel="message", result="sent", now=T0)
    incident = fresh(incident)
    assert (incident.phase, incident.first_outreach_at) == ("contain", None)
    assert kinds(incident) == ["logged", "outreach"]


def test_outreach_logged_late_is_dated_when_it_happened(user):
    incident = scenarios.logged(user)
    call_at = T0 + timedelta(minutes=5)
    services.outreach_record(
        incident=incident, channel="call", result="no_answer", occurred_at=call_at,
        now=T0 + timedelta(minutes=50),
    )
    event = incident.timeline.get(kind="outreach")
    assert event.at == call_at
    assert fresh(incident).first_outreach_at == call_at


def test_an_earlier_apology_logged_after_a_later_one_becomes_the_first(user):
    incident = scenarios.apologise(scenarios.logged(user), now=T0 + timedelta(minutes=40))
    services.outreach_record(
        incident=incident, channel="voicemail", result="voicemail",
        occurred_at=T0 + timedelta(minutes=8), now=T0 + timedelta(minutes=45),
    )
    incident = fresh(incident)
    assert incident.first_outreach_at == T0 + timedelta(minutes=8)
    assert kinds(incident).count("phase") == 1


def test_outreach_refuses_the_future_and_before_discovery(user):
    incident = scenarios.logged(user)
    with pytest.raises(TransitionRefused, match="future"):
        services.outreach_record(
            incident=incident, channel="email", result="sent",
            occurred_at=T0 + timedelta(minutes=6), now=T0,
        )
    with pytest.raises(TransitionRefused, match="before the miss was discovered"):
        services.outreach_record(
            incident=incident, channel="email", result="sent",
            occurred_at=T0 - timedelta(minutes=6), now=T0,
        )
    assert not Outreach.objects.exists()


def test_outreach_refuses_another_persons_contact(user, other_user):
    incident = scenarios.logged(user)
    theirs = ContactFactory(owner=other_user)
    with pytest.raises(PermissionDenied):
        services.outreach_record(
            incident=incident, channel="email", result="sent", contact=theirs, now=T0
        )
    assert not Outreach.objects.exists()


def test_outreach_refuses_text_over_its_limit(user):
    incident = scenarios.logged(user)
    with pytest.raises(ValidationError) as exc:
        services.outreach_record(
            incident=incident, channel="email", result="sent", subject="s" * 201, now=T0
        )
    assert "subject" in exc.value.message_dict
    assert fresh(incident).phase == "contain"


def test_a_stale_incident_object_is_reloaded_before_deciding(user):
    incident = scenarios.logged(user)
    stale = Incident.objects.get(pk=incident.pk)
    scenarios.apologise(incident)
    services.outreach_record(incident=stale, channel="call", result="reached",
                             now=T0 + timedelta(minutes=20))
    assert stale.phase == "correct"
    assert kinds(incident).count("phase") == 1


def test_follow_up_marks_the_unanswered_request(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    at = T0 + timedelta(days=3)
    scenarios.follow_up(incident, now=at)
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at == at
    # A second follow-up keeps the first date.
    scenarios.follow_up(incident, now=at + timedelta(days=1))
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at == at


def test_a_follow_up_dated_before_the_request_does_not_mark_it(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident, now=T0 + timedelta(hours=3))
    services.outreach_record(
        incident=incident, channel="email", result="sent", purpose="follow_up",
        occurred_at=T0 + timedelta(hours=1), now=T0 + timedelta(hours=4),
    )
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at is None


def test_follow_up_after_a_reply_does_not_mark_it(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    services.reschedule_reply(
        reschedule=reschedule, reply="accepted", accepted_slot=reschedule.slots.first(),
        now=T0 + timedelta(hours=1),
    )
    scenarios.follow_up(incident)
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at is None


# thank_you_sent ------------------------------------------------------------------------------


def test_thank_you_is_recorded_in_consolidate(user, syncs):
    incident = scenarios.attended(user)
    at = START + timedelta(hours=2)
    outreach = services.thank_you_sent(incident=incident, text="Thank you for …", now=at)
    incident = fresh(incident)
    assert (outreach.purpose, outreach.result) == ("thank_you", "sent")
    assert incident.thank_you_sent_at == at
    assert incident.phase == "consolidate"
    assert incident.timeline.last().message == "Thank-you note: Email, sent"
    assert_synced_once_inside(syncs, incident, at)


@pytest.mark.parametrize("walk", [scenarios.logged, scenarios.apologised, scenarios.confirmed])
def test_thank_you_is_refused_before_the_interview(user, walk):
    incident = walk(user)
    with pytest.raises(TransitionRefused, match="after the rescheduled interview"):
        services.thank_you_sent(incident=incident, now=START)
    assert fresh(incident).thank_you_sent_at is None
    assert not Outreach.objects.filter(purpose="thank_you").exists()


def test_thank_you_is_refused_on_a_closed_incident(user):
    incident = scenarios.ready_to_close(user)
    services.incident_close(incident=incident, outcome="recovered", now=START + timedelta(days=1))
    with pytest.raises(TransitionRefused):
        services.thank_you_sent(incident=incident, now=START + timedelta(days=2))


# reschedule_request ---------------------------------------------------------------------------


@pytest.mark.parametrize("hours", [(48, 72), (96, 48, 72)])
def test_request_records_two_or_three_future_slots_in_order(user, hours, syncs):
    incident = scenarios.apologised(user)
    now = T0 + timedelta(minutes=15)
    reschedule = scenarios.request(incident, hours=hours, now=now)
    slots = list(reschedule.slots.all())
    assert [s.position for s in slots] == list(range(len(hours)))
    assert [s.start for s in slots] == sorted(START + timedelta(hours=h - 48) for h in hours)
    assert all(s.time_zone == "Asia/Kolkata" for s in slots)
    assert (reschedule.reply, reschedule.version, reschedule.requested_at) == ("pending", 0, now)
    assert kinds(incident)[-1] == "reschedule"
    assert incident.timeline.last().message.startswith(
        "Proposed Thu 5 Mar 2026, 20:30 IST (Asia/Kolkata); "
    )
    assert_synced_once_inside(syncs, incident, now)


def test_request_is_allowed_in_contain_with_the_apology_email(user):
    incident = scenarios.logged(user)
    scenarios.request(incident)
    assert fresh(incident).phase == "contain"


def test_request_slots_are_stored_as_utc_instants(user):
    incident = scenarios.apologised(user)
    berlin = ZoneInfo("Europe/Berlin")
    # The two 02:30s of the Berlin fall-back night are different slots.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin)
    second = first.replace(fold=1)
    reschedule = services.reschedule_request(
        incident=incident, slots=[(second, "Europe/Berlin"), (first, "Europe/Berlin")], now=T0
    )
    assert [s.start for s in reschedule.slots.all()] == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ([(START, "UTC")], "2 or 3 slots"),
        ([(START + timedelta(hours=h), "UTC") for h in range(4)], "2 or 3 slots"),
        ([(START, "UTC"), (T0 - timedelta(minutes=1), "UTC")], "future"),
        ([(START, "UTC"), (START.astimezone(ZoneInfo("Asia/Kathmandu")), "Asia/Kathmandu")],
         "same time"),
    ],
)
def test_request_refuses_bad_slots(user, slots, message, syncs):
    incident = scenarios.apologised(user)
    count = len(syncs)
    with pytest.raises(TransitionRefused, match=message):
        services.reschedule_request(incident=incident, slots=slots, now=T0)
    assert not Reschedule.objects.exists()
    assert len(syncs) == count


def test_request_refuses_an_unknown_slot_zone(user):
    incident = scenarios.apologised(user)
    with pytest.raises(ValidationError, match="not a known IANA time zone"):
        services.reschedule_request(
            incident=incident, slots=[(START, "UTC"), (OTHER_START, "Mars/Olympus")], now=T0
        )
    assert not Reschedule.objects.exists()


def test_request_is_refused_on_a_closed_incident(user):
    incident = scenarios.apologised(user)
    services.incident_close(incident=incident, outcome="moved_on", now=T0 + timedelta(hours=1))
    with pytest.raises(TransitionRefused, match="closed"):
        scenarios.request(incident, now=T0 + timedelta(hours=2))


def test_request_is_refused_in_consolidate(user):
    incident = scenarios.attended(user)
    with pytest.raises(TransitionRefused, match="already took place"):
        scenarios.request(incident, now=START + timedelta(hours=2))


def test_request_is_refused_while_an_interview_is_confirmed(user):
    incident = scenarios.confirmed(user)
    with pytest.raises(TransitionRefused, match="move it or call it off"):
        scenarios.request(incident, now=T0 + timedelta(hours=2))
    assert Reschedule.objects.filter(incident=incident).count() == 1


def test_a_new_request_replaces_the_unanswered_one(user):
    incident = scenarios.apologised(user)
    first = scenarios.request(incident)
    second = scenarios.request(incident, now=T0 + timedelta(hours=1), hours=(49, 73))
    first.refresh_from_db()
    assert first.cancelled_at == T0 + timedelta(hours=1)
    assert services.current_reschedule(incident) == second


# reschedule_reply ----------------------------------------------------------------------------


def test_accepted_reply_records_the_slot_and_stays_in_correct(user, syncs):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    slot = reschedule.slots.last()
    now = T0 + timedelta(hours=3)
    services.reschedule_reply(reschedule=reschedule, reply="accepted", accepted_slot=slot, now=now)
    reschedule.refresh_from_db()
    assert (reschedule.reply, reschedule.accepted_slot, reschedule.replied_at) == (
        "accepted", slot, now
    )
    assert fresh(incident).phase == "correct"
    assert incident.timeline.last().message == (
        "Reply: accepted (Fri 6 Mar 2026, 20:30 IST (Asia/Kolkata))"
    )
    assert_synced_once_inside(syncs, incident, now)


def test_accepted_reply_needs_one_of_its_own_slots(user, other_user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    elsewhere = scenarios.request(scenarios.apologised(other_user))
    for slot in (None, elsewhere.slots.first()):
        with pytest.raises(TransitionRefused, match="which of the proposed slots"):
            services.reschedule_reply(
                reschedule=reschedule, reply="accepted", accepted_slot=slot, now=T0
            )
    reschedule.refresh_from_db()
    assert reschedule.reply == "pending"


def test_declined_reply_closes_the_incident_as_declined(user, syncs):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    now = T0 + timedelta(days=1)
    services.reschedule_reply(reschedule=reschedule, reply="declined", now=now)
    incident = fresh(incident)
    assert (incident.phase, incident.outcome, incident.closed_at) == ("closed", "declined", now)
    assert kinds(incident)[-2:] == ["reply", "phase"]
    assert incident.timeline.last().message == "Closed: Declined"
    assert syncs[-1]["phase"] == "closed"


def test_no_response_is_refused_before_a_follow_up(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    with pytest.raises(TransitionRefused, match="one follow-up"):
        services.reschedule_reply(reschedule=reschedule, reply="no_response", now=T0)
    assert fresh(incident).phase == "correct"


def test_no_response_after_a_follow_up_closes_the_incident(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    scenarios.follow_up(incident)
    services.reschedule_reply(
        reschedule=reschedule, reply="no_response", now=T0 + timedelta(days=6)
    )
    incident = fresh(incident)
    assert (incident.phase, incident.outcome) == ("closed", "no_response")


def test_reply_is_refused_on_a_closed_incident(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    services.incident_close(incident=incident, outcome="moved_on", now=T0 + timedelta(hours=1))
    with pytest.raises(TransitionRefused, match="closed"):
        services.reschedule_reply(
            reschedule=reschedule, reply="accepted", accepted_slot=reschedule.slots.first(),
            now=T0 + timedelta(hours=2),
        )
    reschedule.refresh_from_db()
    assert reschedule.reply == "pending"


def test_reply_is_refused_twice_and_on_a_replaced_request(user):
    incident = scenarios.apologised(user)
    first = scenarios.request(incident)
    scenarios.request(incident, now=T0 + timedelta(hours=1), hours=(50, 70))
    with pytest.raises(TransitionRefused, match="replaced"):
        services.reschedule_reply(reschedule=first, reply="declined", now=T0 + timedelta(hours=2))
    second = services.current_reschedule(incident)
    services.reschedule_reply(
        reschedule=second, reply="accepted", accepted_slot=second.slots.first(),
        now=T0 + timedelta(hours=2),
    )
    with pytest.raises(TransitionRefused, match="already recorded"):
        services.reschedule_reply(reschedule=second, reply="declined", now=T0 + timedelta(hours=3))


# reschedule_confirm ---------------------------------------------------------------------------


def test_confirm_an_accepted_request_sets_version_one(user, syncs):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    slot = reschedule.slots.first()
    services.reschedule_reply(reschedule=reschedule, reply="accepted", accepted_slot=slot,
                              now=T0 + timedelta(hours=1))
    now = T0 + timedelta(hours=2)
    interviewer = ContactFactory(owner=user)
    confirmed = scenarios.confirm(incident, start=slot.start, now=now, interviewer=interviewer)
    assert confirmed.pk == reschedule.pk
    assert (confirmed.version, confirmed.confirmed_at, confirmed.start) == (1, now, slot.start)
    assert confirmed.accepted_slot == slot
    assert confirmed.interviewer == interviewer
    assert confirmed.is_confirmed
    assert confirmed.end == slot.start + timedelta(minutes=45)
    assert incident.timeline.last().message == (
        "Confirmed the interview for Thu 5 Mar 2026, 20:30 IST (Asia/Kolkata)"
    )
    assert_synced_once_inside(syncs, incident, now)


def test_confirm_a_pending_request_counts_as_their_acceptance(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    confirmed = scenarios.confirm(incident)
    assert confirmed.pk == reschedule.pk
    assert (confirmed.reply, confirmed.replied_at) == ("accepted", T0 + timedelta(hours=1))


def test_confirm_without_a_request_records_a_direct_agreement(user):
    incident = scenarios.apologised(user)
    confirmed = scenarios.confirm(incident)
    assert (confirmed.reply, confirmed.version, confirmed.slots.count()) == ("accepted", 1, 0)


def test_confirm_the_same_time_again_keeps_the_version(user):
    incident = scenarios.confirmed(user)
    again = scenarios.confirm(incident, location="Room 4", duration_minutes=60,
                          now=T0 + timedelta(hours=5))
    assert (again.version, again.location, again.duration_minutes) == (1, "Room 4", 60)
    assert incident.timeline.last().message.startswith("Updated the details")
    # The same instant written in another zone is the same time.
    again = scenarios.confirm(incident, start=START.astimezone(ZoneInfo("Asia/Kathmandu")),
                          time_zone="Asia/Kathmandu", now=T0 + timedelta(hours=6))
    assert (again.version, again.time_zone) == (1, "Asia/Kathmandu")


def test_moving_the_confirmed_time_bumps_the_version(user, syncs):
    incident = scenarios.confirmed(user)
    now = T0 + timedelta(hours=5)
    moved = scenarios.confirm(incident, start=OTHER_START, now=now)
    assert (moved.version, moved.start) == (2, OTHER_START)
    assert incident.timeline.last().message == (
        "Moved the interview from Thu 5 Mar 2026, 20:30 IST (Asia/Kolkata) to "
        "Fri 6 Mar 2026, 15:00 IST (Asia/Kolkata)"
    )
    back = scenarios.confirm(incident, start=START, now=now + timedelta(hours=1))
    assert back.version == 3
    assert Reschedule.objects.filter(incident=incident).count() == 1
    assert_synced_once_inside(syncs, incident, now + timedelta(hours=1))


@pytest.mark.parametrize(
    ("walk", "start", "message"),
    [
        (scenarios.logged, START, "apology"),
        (scenarios.apologised, T0 + timedelta(minutes=30), "in the past"),
        (scenarios.attended, START + timedelta(days=3), "already took place"),
    ],
)
def test_confirm_is_refused(user, walk, start, message, syncs):
    incident = walk(user)
    before = (Reschedule.objects.count(), len(kinds(incident)), len(syncs))
    with pytest.raises(TransitionRefused, match=message):
        scenarios.confirm(incident, start=start, now=START + timedelta(hours=2)
                      if walk is scenarios.attended else T0 + timedelta(hours=1))
    assert (Reschedule.objects.count(), len(kinds(incident)), len(syncs)) == before


def test_confirm_is_refused_on_a_closed_incident(user):
    incident = scenarios.apologised(user)
    services.incident_close(incident=incident, outcome="moved_on", now=T0 + timedelta(hours=1))
    with pytest.raises(TransitionRefused, match="closed"):
        scenarios.confirm(incident, now=T0 + timedelta(hours=2))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"duration_minutes": 0}, TransitionRefused),
        ({"format": ""}, ValidationError),
        ({"time_zone": "Nowhere/Land"}, ValidationError),
        ({"location": "x" * 501}, ValidationError),
    ],
)
def test_confirm_refuses_bad_values(user, kwargs, error):
    incident = scenarios.apologised(user)
    with pytest.raises(error):
        scenarios.confirm(incident, **kwargs)
    assert not Reschedule.objects.exists()


def test_confirm_refuses_another_persons_interviewer(user, other_user):
    incident = scenarios.apologised(user)
    with pytest.raises(PermissionDenied):
        scenarios.confirm(incident, interviewer=ContactFactory(owner=other_user))


def test_confirm_after_reopening_a_decline_starts_a_fresh_reschedule(user):
    incident = scenarios.apologised(user)
    declined = scenarios.request(incident)
    services.reschedule_reply(reschedule=declined, reply="declined", now=T0 + timedelta(hours=1))
    services.incident_reopen(incident=incident, now=T0 + timedelta(hours=2))
    confirmed = scenarios.confirm(incident, now=T0 + timedelta(hours=3))
    declined.refresh_from_db()
    assert confirmed.pk != declined.pk
    assert declined.cancelled_at == T0 + timedelta(hours=3)
    assert (declined.reply, confirmed.reply, confirmed.version) == ("declined", "accepted", 1)


# reschedule_cancel ---------------------------------------------------------------------------


def test_cancel_calls_off_the_confirmed_interview(user, syncs):
    incident = scenarios.confirmed(user)
    reschedule = services.current_reschedule(incident)
    now = T0 + timedelta(hours=4)
    services.reschedule_cancel(reschedule=reschedule, now=now)
    reschedule.refresh_from_db()
    assert reschedule.cancelled_at == now
    assert not reschedule.is_confirmed
    assert services.current_reschedule(incident) is None
    assert incident.timeline.last().message == "Called off the rescheduled interview"
    assert services.incident_facts(incident).confirmed is False
    assert_synced_once_inside(syncs, incident, now)
    # Confirming again starts a new reschedule at version 1.
    again = scenarios.confirm(incident, start=OTHER_START, now=now + timedelta(hours=1))
    assert (again.pk != reschedule.pk, again.version) == (True, 1)


def test_cancel_withdraws_a_pending_request(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    services.reschedule_cancel(reschedule=reschedule, now=T0 + timedelta(hours=1))
    assert incident.timeline.last().message == "Called off the reschedule request"
    assert [a.code for a in phases.next_actions(services.incident_facts(incident))] == ["request"]


def test_cancel_twice_changes_nothing_the_second_time(user, syncs):
    incident = scenarios.confirmed(user)
    reschedule = services.current_reschedule(incident)
    services.reschedule_cancel(reschedule=reschedule, now=T0 + timedelta(hours=4))
    count = (len(kinds(incident)), len(syncs))
    services.reschedule_cancel(reschedule=reschedule, now=T0 + timedelta(hours=5))
    reschedule.refresh_from_db()
    assert reschedule.cancelled_at == T0 + timedelta(hours=4)
    assert (len(kinds(incident)), len(syncs)) == count


def test_cancel_is_refused_after_the_interview(user):
    incident = scenarios.attended(user)
    reschedule = incident.reschedules.get()
    with pytest.raises(TransitionRefused, match="already took place"):
        services.reschedule_cancel(reschedule=reschedule, now=START + timedelta(hours=2))
    reschedule.refresh_from_db()
    assert reschedule.cancelled_at is None


def test_cancel_is_refused_on_a_closed_incident(user):
    incident = scenarios.confirmed(user)
    services.incident_close(incident=incident, outcome="moved_on", now=T0 + timedelta(hours=2))
    with pytest.raises(TransitionRefused, match="closed"):
        services.reschedule_cancel(
            reschedule=incident.reschedules.get(), now=T0 + timedelta(hours=3)
        )


# interview_attended --------------------------------------------------------------------------


def test_attended_moves_to_consolidate(user, syncs):
    incident = scenarios.confirmed(user)
    now = START + timedelta(minutes=50)
    reschedule = scenarios.attend(incident, now=now)
    incident = fresh(incident)
    assert (incident.phase, incident.attended_at, reschedule.attended_at) == (
        "consolidate", now, now
    )
    assert kinds(incident)[-2:] == ["attended", "phase"]
    assert syncs[-1]["phase"] == "consolidate"
    assert_synced_once_inside(syncs, incident, now)


def test_attended_is_refused_before_the_start(user):
    incident = scenarios.confirmed(user)
    with pytest.raises(TransitionRefused, match="not started yet"):
        scenarios.attend(incident, now=START - timedelta(minutes=1))
    assert fresh(incident).attended_at is None


@pytest.mark.parametrize("walk", [scenarios.logged, scenarios.apologised])
def test_attended_is_refused_without_a_confirmation(user, walk):
    incident = walk(user)
    if walk is scenarios.apologised:
        scenarios.request(incident)
    with pytest.raises(TransitionRefused, match="Confirm the rescheduled interview first"):
        scenarios.attend(incident)


def test_attended_is_refused_after_the_interview_was_called_off(user):
    incident = scenarios.confirmed(user)
    services.reschedule_cancel(reschedule=incident.reschedules.get(), now=T0 + timedelta(hours=2))
    with pytest.raises(TransitionRefused, match="Confirm the rescheduled interview first"):
        scenarios.attend(incident)


def test_attended_is_refused_twice(user):
    incident = scenarios.attended(user)
    with pytest.raises(TransitionRefused):
        scenarios.attend(incident, now=START + timedelta(hours=3))


# safeguards, materials, lessons --------------------------------------------------------------


def test_safeguard_is_ticked_and_unticked_once_each(user, syncs):
    incident = scenarios.apologised(user)
    safeguard = incident.safeguards.first()
    now = T0 + timedelta(hours=1)
    services.safeguard_set(safeguard=safeguard, done=True, now=now)
    services.safeguard_set(safeguard=safeguard, done=True, now=now + timedelta(minutes=1))
    assert Safeguard.objects.get(pk=safeguard.pk).done_at == now
    services.safeguard_set(safeguard=safeguard, done=False, now=now + timedelta(minutes=2))
    assert Safeguard.objects.get(pk=safeguard.pk).done_at is None
    messages = list(incident.timeline.filter(kind="safeguard").values_list("message", flat=True))
    label = safeguard.get_kind_display()
    assert messages == [f"Done: {label}", f"Undone: {label}"]
    assert_synced_once_inside(syncs, incident, now + timedelta(minutes=2))


def test_materials_are_promised_and_delivered_or_dropped(user, syncs):
    incident = scenarios.attended(user)
    now = START + timedelta(hours=2)
    sample = services.material_add(
        incident=incident, description="Work sample", due_on=datetime(2026, 3, 7).date(), now=now
    )
    refs = services.material_add(incident=incident, description="References", now=now)
    assert services.incident_facts(incident).materials_open == 2
    services.material_resolve(material=sample, status="delivered", now=now + timedelta(days=1))
    services.material_resolve(material=refs, status="dropped", now=now + timedelta(days=1))
    assert services.incident_facts(incident).materials_open == 0
    assert list(incident.timeline.filter(kind="material").values_list("message", flat=True)) == [
        "Promised: Work sample, due 07 Mar 2026",
        "Promised: References",
        "Delivered: Work sample",
        "Dropped: References",
    ]
    sample.refresh_from_db()
    assert (sample.status, sample.resolved_at) == ("delivered", now + timedelta(days=1))
    assert_synced_once_inside(syncs, incident, now + timedelta(days=1))


def test_material_needs_delivered_or_dropped_and_an_open_incident(user):
    incident = scenarios.attended(user)
    item = services.material_add(incident=incident, description="Slides", now=START)
    with pytest.raises(TransitionRefused, match="delivered or dropped"):
        services.material_resolve(material=item, status="pending", now=START)
    services.incident_close(incident=incident, outcome="moved_on", now=START + timedelta(hours=2))
    with pytest.raises(TransitionRefused, match="closed"):
        services.material_add(incident=incident, description="More", now=START)
    with pytest.raises(TransitionRefused, match="closed"):
        services.material_resolve(material=item, status="dropped", now=START)
    with pytest.raises(ValidationError):
        services.material_add(
            incident=scenarios.attended(UserFactory()), description="x" * 201, now=START
        )


def test_lessons_are_recorded_with_an_event(user, syncs):
    incident = scenarios.attended(user)
    now = START + timedelta(hours=3)
    services.incident_lessons_record(incident=incident, lessons="Both zones, always.", now=now)
    assert fresh(incident).lessons == "Both zones, always."
    assert incident.timeline.last().message == "Recorded the lessons"
    assert services.incident_facts(incident).lessons_recorded
    assert_synced_once_inside(syncs, incident, now)
    with pytest.raises(ValidationError):
        services.incident_lessons_record(incident=incident, lessons="x" * 5001, now=now)


# incident_close ------------------------------------------------------------------------------


def test_close_moved_on_from_contain(user, syncs):
    incident = scenarios.logged(user)
    now = T0 + timedelta(hours=1)
    services.incident_close(incident=incident, outcome="moved_on", now=now)
    incident = fresh(incident)
    assert (incident.phase, incident.outcome, incident.closed_at) == ("closed", "moved_on", now)
    assert incident.timeline.last().message == "Closed: Moved on"
    assert syncs[-1]["phase"] == "closed"
    assert_synced_once_inside(syncs, incident, now)


def test_close_declined_answers_the_open_request(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    services.incident_close(incident=incident, outcome="declined", now=T0 + timedelta(days=1))
    reschedule.refresh_from_db()
    assert (reschedule.reply, reschedule.replied_at) == ("declined", T0 + timedelta(days=1))
    assert fresh(incident).outcome == "declined"


def test_close_declined_is_refused_before_any_outreach(user):
    incident = scenarios.logged(user)
    with pytest.raises(TransitionRefused, match="Nobody has replied yet"):
        services.incident_close(incident=incident, outcome="declined", now=T0)


def test_close_no_response_needs_a_request_and_a_follow_up(user):
    incident = scenarios.apologised(user)
    with pytest.raises(TransitionRefused, match="Ask for a new time first"):
        services.incident_close(incident=incident, outcome="no_response", now=T0)
    reschedule = scenarios.request(incident)
    with pytest.raises(TransitionRefused, match="Send one follow-up"):
        services.incident_close(incident=incident, outcome="no_response", now=T0)
    scenarios.follow_up(incident)
    services.incident_close(incident=incident, outcome="no_response", now=T0 + timedelta(days=7))
    reschedule.refresh_from_db()
    assert reschedule.reply == "no_response"
    assert fresh(incident).outcome == "no_response"


def test_close_recovered_lists_every_blocker(user):
    incident = scenarios.attended(user)
    services.material_add(incident=incident, description="Slides", now=START)
    with pytest.raises(TransitionRefused) as exc:
        services.incident_close(incident=incident, outcome="recovered", now=START)
    assert str(exc.value) == (
        "Send the thank-you note. Deliver or drop the 1 promised item(s) still open. "
        "Write down the lessons."
    )
    assert fresh(incident).phase == "consolidate"


def test_close_recovered_after_thank_you_materials_and_lessons(user):
    incident = scenarios.ready_to_close(user)
    item = services.material_add(incident=incident, description="Slides", now=START)
    services.material_resolve(material=item, status="delivered", now=START + timedelta(hours=3))
    services.incident_close(incident=incident, outcome="recovered", now=START + timedelta(days=1))
    incident = fresh(incident)
    assert (incident.phase, incident.outcome) == ("closed", "recovered")


def test_close_is_refused_twice_and_for_an_unknown_outcome(user):
    incident = scenarios.logged(user)
    with pytest.raises(TransitionRefused, match="Unknown outcome"):
        services.incident_close(incident=incident, outcome="won", now=T0)
    services.incident_close(incident=incident, outcome="moved_on", now=T0)
    with pytest.raises(TransitionRefused, match="already closed"):
        services.incident_close(incident=incident, outcome="moved_on", now=T0)


# incident_reopen -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("walk", "outcome", "phase"),
    [
        (scenarios.logged, "moved_on", "contain"),
        (scenarios.apologised, "moved_on", "correct"),
        (scenarios.confirmed, "moved_on", "correct"),
        (scenarios.ready_to_close, "recovered", "consolidate"),
    ],
)
def test_reopen_returns_to_the_phase_its_facts_give(user, walk, outcome, phase, syncs):
    incident = walk(user)
    closing = START + timedelta(days=1)
    services.incident_close(incident=incident, outcome=outcome, now=closing)
    services.incident_reopen(incident=incident, now=closing + timedelta(hours=1))
    incident = fresh(incident)
    assert (incident.phase, incident.outcome, incident.closed_at) == (phase, "", None)
    assert incident.timeline.last().message == f"Reopened in {phase.title()}"
    assert syncs[-1]["phase"] == phase
    assert_synced_once_inside(syncs, incident, closing + timedelta(hours=1))


def test_reopen_is_refused_when_open(user):
    with pytest.raises(TransitionRefused, match="not closed"):
        services.incident_reopen(incident=scenarios.logged(user), now=T0)


# incident_update and contact_save ------------------------------------------------------------


def test_update_changes_descriptive_facts_with_an_event(user, syncs):
    incident = scenarios.logged(user)
    services.incident_update(incident=incident, company="Globex", notes="Ask for Sam", now=T0)
    incident = fresh(incident)
    assert (incident.company, incident.notes) == ("Globex", "Ask for Sam")
    assert incident.timeline.last().message == "Edited: company, notes"
    assert_synced_once_inside(syncs, incident, T0)
    count = len(syncs)
    services.incident_update(incident=incident, company="Globex", now=T0)
    assert len(syncs) == count


def test_update_refuses_phase_fields_and_bad_values(user):
    incident = scenarios.logged(user)
    with pytest.raises(ValueError, match="cannot change"):
        services.incident_update(incident=incident, phase="closed", now=T0)
    with pytest.raises(ValidationError):
        services.incident_update(incident=incident, interview_tz="Atlantis/Capital", now=T0)
    assert fresh(incident).interview_tz == "Asia/Kolkata"


def test_contact_is_added_to_an_incident_and_updated(user, syncs):
    incident = scenarios.logged(user)
    contact = services.contact_save(owner=user, incident=incident, name="Sam Lee",
                                    role="coordinator", time_zone="Europe/Berlin", now=T0)
    assert list(incident.contacts.all()) == [contact]
    assert_synced_once_inside(syncs, incident, T0)
    services.contact_save(owner=user, contact=contact, incident=incident, phone="+49 30 1234",
                          now=T0)
    assert Contact.objects.get(pk=contact.pk).phone == "+49 30 1234"
    assert list(incident.timeline.filter(kind="contact").values_list("message", flat=True)) == [
        "Added contact Sam Lee (Scheduling coordinator)",
        "Updated contact Sam Lee (Scheduling coordinator)",
    ]


def test_contact_of_another_person_cannot_be_saved(user, other_user):
    theirs = ContactFactory(owner=other_user)
    with pytest.raises(PermissionDenied):
        services.contact_save(owner=user, contact=theirs, name="Mine now")
    with pytest.raises(ValidationError):
        services.contact_save(owner=user, name="Sam", time_zone="Nowhere")


# The whole walk ------------------------------------------------------------------------------


def test_walk_from_logged_to_recovered_records_every_step(user):
    incident = scenarios.ready_to_close(user)
    services.incident_close(incident=incident, outcome="recovered", now=START + timedelta(days=1))
    assert kinds(incident) == [
        "logged", "outreach", "phase", "confirm", "attended", "phase", "outreach", "lessons",
        "phase",
    ]
    assert Incident.objects.get(pk=incident.pk).closed_at == START + timedelta(days=1)
    assert MISSED < incident.discovered_at


# Concurrency ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_never_bump_the_version_from_the_same_base(tmp_path):
    """Both writers read the confirmed interview at version 1, then write. Without the row lock
    (PostgreSQL) or IMMEDIATE transactions (SQLite) both would write version 2."""
    if connection.vendor == "sqlite":
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
               "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "tracker.settings"}
        done = subprocess.run(
            [sys.executable, "-m", "tests.incidents.race"], env=env, cwd=settings_dir(),
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
    else:
        result = race_two_moves()
    assert result["errors"] == []
    assert result["version"] == 3
    first, second = result["moves"]
    # The second move starts from where the first one left the interview.
    assert first.split(" to ")[1] in second.split(" to ")[0]


def settings_dir():
    from django.conf import settings as django_settings

    return str(django_settings.BASE_DIR)


# Property: random reschedule sequences ---------------------------------------------------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("confirm"), st.integers(min_value=0, max_value=3)),
        st.tuples(st.just("move"), st.integers(min_value=0, max_value=3)),
        st.tuples(st.just("cancel"), st.just(0)),
        # Attending waits first (hours), so that the interview has often started.
        st.tuples(st.just("attend"), st.integers(min_value=0, max_value=40)),
        st.tuples(st.just("request"), st.just(0)),
        st.tuples(st.just("reopen"), st.just(0)),
        st.tuples(st.just("close"), st.just(0)),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=36)),
    ),
    min_size=1,
    max_size=12,
)
# Close enough to the walk's clock that waits reach them and "attend" can succeed.
CHOICES_OF_START = [T0 + timedelta(hours=h) for h in (6, 12, 30, 50)]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_random_reschedule_sequences_keep_the_version_monotonic_and_one_live_interview(
    ops, syncs
):
    with transaction.atomic():
        _run_sequence(ops, syncs)
        transaction.set_rollback(True)


def _run_sequence(ops, syncs):
    incident = scenarios.apologised(UserFactory())
    now = T0 + timedelta(hours=1)
    versions: dict[int, int] = {}
    expected = None  # (reschedule pk, start, version) of the live confirmed interview
    for op, arg in ops:
        events_before, syncs_before = incident.timeline.count(), len(syncs)
        try:
            if op in ("confirm", "move"):
                start = CHOICES_OF_START[arg] if op == "move" else (
                    expected[1] if expected else CHOICES_OF_START[arg]
                )
                r = scenarios.confirm(incident, start=start, now=now)
                if expected and expected[0] == r.pk:
                    bump = 0 if expected[1] == start else 1
                    event(f"{op} on the live interview, bump {bump}")
                    assert r.version == expected[2] + bump
                else:
                    assert r.version == 1
                expected = (r.pk, start, r.version)
            elif op == "cancel":
                r = services.current_reschedule(incident)
                if r is None:
                    continue
                services.reschedule_cancel(reschedule=r, now=now)
                expected = None
            elif op == "attend":
                now += timedelta(hours=arg)
                scenarios.attend(incident, now=now)
            elif op == "request":
                scenarios.request(incident, now=now, hours=(24 * 30, 24 * 31))
            elif op == "reopen":
                services.incident_reopen(incident=incident, now=now)
            elif op == "close":
                services.incident_close(incident=incident, outcome="moved_on", now=now)
            else:
                now += timedelta(hours=arg)
                continue
        except TransitionRefused:
            event(f"{op} refused")
            # A refusal writes nothing.
            assert incident.timeline.count() == events_before
            assert len(syncs) == syncs_before
        else:
            event(f"{op} done")
            assert incident.timeline.count() > events_before
            assert len(syncs) == syncs_before + 1
        incident = fresh(incident)
        rows = list(Reschedule.objects.filter(incident=incident))
        for r in rows:
            assert r.version >= versions.get(r.pk, 0)
            versions[r.pk] = r.version
        live = [r for r in rows if r.cancelled_at is None]
        assert len(live) <= 1
        live_confirmed = [r for r in live if r.confirmed_at is not None]
        assert len(live_confirmed) <= 1
        if expected and incident.phase != "consolidate" and incident.attended_at is None:
            if live_confirmed:
                assert (live_confirmed[0].pk, live_confirmed[0].start) == expected[:2]
        if incident.attended_at is not None:
            assert incident.phase in ("consolidate", "closed")
            assert sum(r.attended_at is not None for r in rows) == 1

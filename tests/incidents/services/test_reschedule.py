"""reschedule_request, reschedule_reply and reschedule_cancel: asking for new times, their answer,
calling it off."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tests import scenarios
from tests.incidents.services import assert_synced_once_inside, fresh, kinds
from tests.scenarios import OTHER_START, START, T0
from tracker.incidents import phases, services
from tracker.incidents.models import Reschedule
from tracker.incidents.selectors import situation_for
from tracker.incidents.services import TransitionRefused

pytestmark = pytest.mark.django_db


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
    assert situation_for(incident).current == second


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
    second = situation_for(incident).current
    services.reschedule_reply(
        reschedule=second, reply="accepted", accepted_slot=second.slots.first(),
        now=T0 + timedelta(hours=2),
    )
    with pytest.raises(TransitionRefused, match="already recorded"):
        services.reschedule_reply(reschedule=second, reply="declined", now=T0 + timedelta(hours=3))


# reschedule_cancel ---------------------------------------------------------------------------


def test_cancel_calls_off_the_confirmed_interview(user, syncs):
    incident = scenarios.confirmed(user)
    reschedule = situation_for(incident).current
    now = T0 + timedelta(hours=4)
    services.reschedule_cancel(reschedule=reschedule, now=now)
    reschedule.refresh_from_db()
    assert reschedule.cancelled_at == now
    assert not reschedule.is_confirmed
    assert situation_for(incident).current is None
    assert incident.timeline.last().message == "Called off the rescheduled interview"
    assert situation_for(incident).facts.confirmed is False
    assert_synced_once_inside(syncs, incident, now)
    # Confirming again starts a new reschedule at version 1.
    again = scenarios.confirm(incident, start=OTHER_START, now=now + timedelta(hours=1))
    assert (again.pk != reschedule.pk, again.version) == (True, 1)


def test_cancel_withdraws_a_pending_request(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    services.reschedule_cancel(reschedule=reschedule, now=T0 + timedelta(hours=1))
    assert incident.timeline.last().message == "Called off the reschedule request"
    assert [a.code for a in phases.next_actions(situation_for(incident).facts)] == ["request"]


def test_cancel_twice_changes_nothing_the_second_time(user, syncs):
    incident = scenarios.confirmed(user)
    reschedule = situation_for(incident).current
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

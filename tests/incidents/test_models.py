"""The database holds the domain's invariants on SQLite and PostgreSQL alike: each constraint is
hit with a write that bypasses the services, and the dashboard's query uses its index."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from tests import scenarios
from tests.scenarios import START, T0
from tracker.incidents import selectors
from tracker.incidents.models import (
    Incident,
    PromisedMaterial,
    ProposedSlot,
    Reschedule,
    Safeguard,
)

pytestmark = pytest.mark.django_db


def refused(model, pk, **fields):
    """The update is refused by the database (a savepoint keeps the test's transaction)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=pk).update(**fields)


def accepted(model, pk, **fields):
    with transaction.atomic():
        assert model.objects.filter(pk=pk).update(**fields) == 1
        transaction.set_rollback(True)


# Incident ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"phase": "limbo"},
        {"cause": "bad luck"},
        {"format": "pigeon"},
        {"phase": "closed", "closed_at": T0, "outcome": "won"},
    ],
)
def test_incident_refuses_values_outside_its_choices(user, fields):
    refused(Incident, scenarios.logged(user).pk, **fields)


def test_incident_constraints_accept_every_choice(user):
    pk = scenarios.logged(user).pk
    for cause in Incident.Cause.values:
        accepted(Incident, pk, cause=cause)
    for fmt in Incident.Format.values:
        accepted(Incident, pk, format=fmt)
    for outcome in Incident.Outcome.values:
        accepted(Incident, pk, phase="closed", outcome=outcome, closed_at=T0)


@pytest.mark.parametrize(
    "fields",
    [
        {"phase": "closed", "closed_at": T0},  # no outcome
        {"phase": "closed", "outcome": "declined"},  # no closing time
        {"outcome": "declined"},  # an open incident with an outcome
        {"closed_at": T0},  # an open incident with a closing time
    ],
)
def test_a_closed_incident_has_an_outcome_and_an_open_one_has_none(user, fields):
    refused(Incident, scenarios.logged(user).pk, **fields)


def test_correct_needs_the_first_outreach(user):
    refused(Incident, scenarios.logged(user).pk, phase="correct")
    accepted(Incident, scenarios.logged(user).pk, phase="correct", first_outreach_at=T0)


def test_consolidate_needs_the_interview_attended(user):
    incident = scenarios.apologised(user)
    refused(Incident, incident.pk, phase="consolidate")
    accepted(Incident, incident.pk, phase="consolidate", attended_at=START)


@pytest.mark.parametrize("phase", ["contain", "correct"])
def test_an_attended_interview_never_goes_back_to_contain_or_correct(user, phase):
    incident = scenarios.attended(user)
    refused(Incident, incident.pk, phase=phase)


def test_thank_you_needs_the_interview_attended(user):
    incident = scenarios.apologised(user)
    refused(Incident, incident.pk, thank_you_sent_at=START)


# Reschedule ----------------------------------------------------------------------------------


def test_only_one_reschedule_is_live_per_incident(user):
    incident = scenarios.requested(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reschedule.objects.create(incident=incident, requested_at=T0)
    # Cancelled ones do not count.
    Reschedule.objects.create(incident=incident, requested_at=T0, cancelled_at=T0)


@pytest.mark.parametrize(
    "fields",
    [
        {"start": None},
        {"time_zone": ""},
        {"duration_minutes": None},
        {"format": ""},
        {"version": 0},
        {"reply": "pending", "replied_at": None},
        {"reply": "declined"},
        {"confirmed_at": None},  # unconfirmed but carrying a version
    ],
)
def test_a_confirmed_reschedule_has_start_zone_duration_format_and_a_version(user, fields):
    reschedule = scenarios.confirmed(user).reschedules.get()
    refused(Reschedule, reschedule.pk, **fields)


def test_a_confirmed_reschedule_as_the_service_writes_it_satisfies_every_constraint(user):
    reschedule = scenarios.confirmed(user).reschedules.get()
    accepted(Reschedule, reschedule.pk, version=7, duration_minutes=1)


@pytest.mark.parametrize(
    "fields",
    [
        {"reply": "maybe"},
        {"reply": "accepted"},  # replied without a reply time
        {"replied_at": T0},  # still pending with a reply time
        {"duration_minutes": 0},
        {"attended_at": START},  # attended but never confirmed
    ],
)
def test_reschedule_refuses_inconsistent_replies_and_attendance(user, fields):
    reschedule = scenarios.request(scenarios.apologised(user))
    refused(Reschedule, reschedule.pk, **fields)


def test_an_accepted_slot_means_the_reply_was_accepted(user):
    reschedule = scenarios.request(scenarios.apologised(user))
    slot = reschedule.slots.first()
    refused(Reschedule, reschedule.pk, accepted_slot=slot, reply="declined", replied_at=T0)
    accepted(Reschedule, reschedule.pk, accepted_slot=slot, reply="accepted", replied_at=T0)


def test_an_attended_interview_cannot_also_be_cancelled(user):
    reschedule = scenarios.attended(user).reschedules.get()
    refused(Reschedule, reschedule.pk, cancelled_at=START)


# Slots, safeguards, materials ----------------------------------------------------------------


def test_proposed_slots_are_distinct_and_at_most_three(user):
    reschedule = scenarios.request(scenarios.apologised(user), hours=(48, 72, 96))
    first, second, third = reschedule.slots.all()
    refused(ProposedSlot, second.pk, start=first.start)
    refused(ProposedSlot, second.pk, position=first.position)
    refused(ProposedSlot, third.pk, position=3)


def test_a_safeguard_kind_is_seeded_once_per_incident(user):
    incident = scenarios.logged(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Safeguard.objects.create(incident=incident, kind=incident.safeguards.first().kind)


def test_a_resolved_material_has_a_resolution_time_and_a_pending_one_has_none(user):
    from tracker.incidents import services

    incident = scenarios.attended(user)
    item = services.material_add(incident=incident, description="Slides", now=START)
    refused(PromisedMaterial, item.pk, status="delivered")
    refused(PromisedMaterial, item.pk, resolved_at=START)
    accepted(PromisedMaterial, item.pk, status="dropped", resolved_at=START)


# Model helpers -------------------------------------------------------------------------------


def test_reschedule_end_and_is_confirmed(user):
    reschedule = scenarios.confirmed(user).reschedules.get()
    assert reschedule.end == START + timedelta(minutes=45)
    assert reschedule.is_confirmed
    reschedule.cancelled_at = START
    assert not reschedule.is_confirmed
    assert Reschedule(incident_id=1, requested_at=T0).end is None


def test_incident_minutes_to_first_outreach_and_is_open(user):
    incident = scenarios.logged(user)
    assert (incident.minutes_to_first_outreach, incident.is_open) == (None, True)
    scenarios.apologise(incident, now=T0 + timedelta(minutes=59, seconds=59))
    assert incident.minutes_to_first_outreach == 59


# Indexes -------------------------------------------------------------------------------------


def test_dashboard_reads_open_incidents_off_their_partial_index_in_order(user, other_user):
    for owner in (user, other_user):
        for _ in range(3):
            scenarios.logged(owner)
    qs = selectors.open_incidents_for_dashboard(user=user)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Tiny tables make a sequential scan cheapest; ask whether the index is usable.
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = qs.explain()
    assert "incident_open_by_owner" in plan
    # The index gives the dashboard's order: no sort step over the incidents.
    assert "ORDER BY" not in plan and "Sort" not in plan

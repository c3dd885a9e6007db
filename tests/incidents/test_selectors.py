"""Owner-scoped reads: another person's object is a 404; pages read in a constant number of
queries; the history counts the person's own pattern."""

from datetime import timedelta

import pytest
from django.http import Http404

from tests import scenarios
from tests.factories import ContactFactory, UserFactory
from tests.scenarios import START, T0
from tracker.incidents import selectors, services
from tracker.incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(user):
    """One of everything, owned by `user`."""
    incident = scenarios.attended(user)
    services.material_add(incident=incident, description="Slides", now=START)
    return {
        "incident": incident,
        "contact": ContactFactory(owner=user),
        "outreach": incident.outreach.first(),
        "reschedule": incident.reschedules.get(),
        "safeguard": incident.safeguards.first(),
        "material": incident.materials.get(),
    }


GETTERS = [
    ("incident", selectors.incident_get_for_user),
    ("incident", selectors.incident_detail),
    ("contact", selectors.contact_get_for_user),
    ("outreach", selectors.outreach_get_for_user),
    ("reschedule", selectors.reschedule_get_for_user),
    ("safeguard", selectors.safeguard_get_for_user),
    ("material", selectors.material_get_for_user),
]


@pytest.mark.parametrize(("name", "getter"), GETTERS)
def test_get_for_user_returns_the_owners_object(owned, user, name, getter):
    assert getter(user=user, pk=owned[name].pk) == owned[name]


@pytest.mark.parametrize(("name", "getter"), GETTERS)
def test_get_for_user_is_a_404_for_another_person(owned, other_user, name, getter):
    with pytest.raises(Http404):
        getter(user=other_user, pk=owned[name].pk)


def test_slot_get_for_user_is_scoped_to_the_owner(user, other_user):
    slot = scenarios.request(scenarios.apologised(user)).slots.first()
    assert selectors.slot_get_for_user(user=user, pk=slot.pk) == slot
    with pytest.raises(Http404):
        selectors.slot_get_for_user(user=other_user, pk=slot.pk)


def test_get_for_user_is_a_404_for_a_missing_or_malformed_pk(user):
    with pytest.raises(Http404):
        selectors.incident_get_for_user(user=user, pk=999999)


def test_lists_are_scoped_to_the_owner(user, other_user):
    mine = scenarios.logged(user)
    scenarios.logged(other_user)
    ContactFactory(owner=other_user)
    assert list(selectors.incidents_for_user(user=user)) == [mine]
    assert list(selectors.contacts_for_user(user=user)) == []
    assert [i.pk for i in selectors.open_incidents_for_dashboard(user=user)] == [mine.pk]


# The dashboard -------------------------------------------------------------------------------


def _one_of_each_phase(owner):
    scenarios.logged(owner)
    scenarios.requested(owner)
    scenarios.confirmed(owner)
    consolidating = scenarios.attended(owner)
    services.material_add(incident=consolidating, description="Slides", now=START)
    closed = scenarios.logged(owner)
    services.incident_close(incident=closed, outcome="moved_on", now=T0)


def _read_dashboard(user):
    rows = list(selectors.open_incidents_for_dashboard(user=user))
    return [(s.incident.phase, s.facts) for s in selectors.dashboard_situations(rows)]


def test_dashboard_facts_match_the_facts_read_fresh(user):
    _one_of_each_phase(user)
    # One confirmed time confirmed in writing, one not: the dashboard tells them apart.
    confirmed = [i for i in Incident.objects.filter(owner=user) if i.reschedules.filter(
        confirmed_at__isnull=False).exists() and i.phase == "correct"]
    written = confirmed[0].safeguards.get(kind="confirmation_sent")
    services.safeguard_set(safeguard=written, done=True, now=T0)
    # Agreed directly, on the phone: a confirmed reschedule that proposed no times (the rows
    # read whether a request proposed times from an annotation, not from its slots).
    scenarios.confirm(scenarios.apologised(user))
    rows = list(selectors.open_incidents_for_dashboard(user=user))
    assert sorted(r.phase for r in rows) == [
        "consolidate", "contain", "correct", "correct", "correct"
    ]
    # Only the pending request proposed times; the scenarios' interviews were agreed directly.
    assert sorted(r.live_reschedules[0].has_slots for r in rows if r.live_reschedules) == [
        False, False, False, True
    ]
    situations = selectors.dashboard_situations(rows)
    for row, situation in zip(rows, situations, strict=True):
        assert situation.facts == selectors.situation_for(row).facts
        assert situation.plan == selectors.situation_for(row).plan
    assert {s.incident.pk for s in situations if s.facts.confirmation_sent} == {confirmed[0].pk}


def test_dashboard_reads_in_the_same_number_of_queries_for_few_and_many(
    user, django_assert_num_queries
):
    _one_of_each_phase(user)
    # incidents, live reschedules (whether they proposed times is a column of that query), the
    # written confirmations of the confirmed ones
    with django_assert_num_queries(3):
        few = _read_dashboard(user)
    for _ in range(4):
        _one_of_each_phase(user)
    with django_assert_num_queries(3):
        many = _read_dashboard(user)
    assert (len(few), len(many)) == (4, 20)


def test_incident_detail_reads_in_the_same_number_of_queries_however_long_its_record(
    user, django_assert_num_queries
):
    incident = scenarios.attended(user)

    def read():
        got = selectors.incident_detail(user=user, pk=incident.pk)
        return (
            list(got.contacts.all()),
            [(o.contact, o.pk) for o in got.outreach.all()],
            [(r.interviewer, r.accepted_slot, list(r.slots.all())) for r in got.reschedules.all()],
            list(got.safeguards.all()),
            list(got.materials.all()),
            [(e.actor, e.message) for e in got.timeline.all()],
        )

    with django_assert_num_queries(8):
        short = read()
    for i in range(6):
        scenarios.follow_up(incident, now=START + timedelta(hours=2 + i))
        services.material_add(incident=incident, description=f"Item {i}", now=START)
    with django_assert_num_queries(8):
        long = read()
    assert len(long[5]) > len(short[5]) + 10


# History -------------------------------------------------------------------------------------


def test_history_counts_causes_outcomes_repeats_and_time_to_first_outreach(user, other_user):
    for minutes, cause in ((10, "timezone"), (30, "timezone"), (90, "transit")):
        incident = scenarios.logged(user, cause=cause)
        scenarios.apologise(incident, now=T0 + timedelta(minutes=minutes))
    closed = scenarios.logged(user, cause="calendar")
    services.incident_close(incident=closed, outcome="moved_on", now=T0 + timedelta(hours=1))
    scenarios.apologise(
        scenarios.logged(other_user, cause="transit"), now=T0 + timedelta(minutes=1)
    )

    history = selectors.history_for_user(user=user)
    assert history.total == 4
    assert history.closed == 1
    assert history.outcomes == [("Moved on", 1)]
    assert dict(history.causes) == {
        "Time-zone error": 2, "Transit or travel delay": 1, "Calendar error": 1
    }
    assert history.repeated_causes == [("Time-zone error", 2)]
    assert history.median_minutes_to_first_outreach == 30
    assert (history.within_hour, history.with_outreach) == (2, 3)
    assert len(history.incidents) == 4


def test_history_of_a_new_person_is_empty():
    history = selectors.history_for_user(user=UserFactory())
    assert (history.total, history.median_minutes_to_first_outreach, history.causes) == (
        0, None, []
    )


def test_dashboard_rows_know_the_interviewers_zone_without_a_query_each(
    user, django_assert_num_queries
):
    # The interviewer's zone is read from the interviewer when the interview was agreed in the
    # person's own zone: the dashboard's prefetch must carry the interviewer.
    for _ in range(3):
        incident = scenarios.apologised(user)
        contact = services.contact_save(
            owner=user, incident=incident, name="Sam Lee", role="interviewer",
            time_zone="Asia/Kolkata", now=scenarios.CONFIRMED_AT,
        )
        scenarios.confirm(incident, time_zone=incident.candidate_tz, interviewer=contact)
    rows = list(selectors.open_incidents_for_dashboard(user=user))
    with django_assert_num_queries(1):  # the written confirmations of the confirmed rows
        zones = {s.interviewer_tz for s in selectors.dashboard_situations(rows)}
    assert zones == {"Asia/Kolkata"}

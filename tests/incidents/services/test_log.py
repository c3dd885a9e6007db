"""incident_log: what a new incident starts with, and what it refuses."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests import scenarios
from tests.incidents.services import fresh, kinds
from tests.scenarios import T0
from tracker.incidents import phases, services
from tracker.incidents.models import Incident, Safeguard, TimelineEvent
from tracker.incidents.services import TransitionRefused

pytestmark = pytest.mark.django_db


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


def test_services_never_read_the_clock_themselves(user):
    """`now` comes from the caller (the view or task reads the clock once): a service called
    without it is refused, and with it every time it writes is that `now`."""
    at = datetime(2026, 3, 2, 14, 33, 20, tzinfo=UTC)
    with pytest.raises(TypeError):
        services.incident_log(
            owner=user, company="Acme", role="Engineer", interview_at=at,
            interview_tz="Europe/Berlin", candidate_tz="America/Chicago", format="video",
            cause="timezone",
        )
    with time_machine.travel(at + timedelta(hours=5), tick=False):  # a clock nobody reads
        incident = scenarios.logged(user, discovered_at=None, now=at)
        services.outreach_record(incident=incident, channel="call", result="reached", now=at)
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

"""incident_close and incident_reopen, and the whole walk from logged to recovered."""

from datetime import timedelta

import pytest

from tests import scenarios
from tests.incidents.services import assert_synced_once_inside, fresh, kinds
from tests.scenarios import MISSED, START, T0
from tracker.incidents import services
from tracker.incidents.models import Incident
from tracker.incidents.services import TransitionRefused

pytestmark = pytest.mark.django_db


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

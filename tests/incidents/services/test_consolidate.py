"""interview_attended, safeguards, promised materials and lessons."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests import scenarios
from tests.factories import UserFactory
from tests.incidents.services import assert_synced_once_inside, fresh, kinds
from tests.scenarios import START, T0
from tracker.incidents import services
from tracker.incidents.models import Safeguard
from tracker.incidents.selectors import situation_for
from tracker.incidents.services import TransitionRefused

pytestmark = pytest.mark.django_db


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
    assert situation_for(incident).facts.materials_open == 2
    services.material_resolve(material=sample, status="delivered", now=now + timedelta(days=1))
    services.material_resolve(material=refs, status="dropped", now=now + timedelta(days=1))
    assert situation_for(incident).facts.materials_open == 0
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
    assert situation_for(incident).facts.lessons_recorded
    assert_synced_once_inside(syncs, incident, now)
    with pytest.raises(ValidationError):
        services.incident_lessons_record(incident=incident, lessons="x" * 5001, now=now)

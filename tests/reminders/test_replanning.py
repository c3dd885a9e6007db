"""Re-planning as a property: random sequences of confirm / move / cancel / attend (and the
dispatcher running in between) through the real services. Afterwards the pending reminders
match the last confirmed time exactly, and no sent reminder was changed."""

from datetime import timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory
from tests.scenarios import T0, apologise, logged
from tracker.incidents import services as incidents
from tracker.incidents.phases import TransitionRefused
from tracker.reminders import dispatch, planning
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
S = Reminder.Status
SNAPSHOT = ("status", "sent_at", "due_at", "version", "reschedule_id", "message_id", "kind")

steps = st.lists(
    st.tuples(
        st.sampled_from(["confirm", "move", "cancel", "attend", "dispatch", "wait"]),
        st.integers(min_value=1, max_value=96),  # hours ahead for a start, or to wait
        st.integers(min_value=0, max_value=59),  # minutes
    ),
    min_size=1,
    max_size=10,
)


def live_interview(incident):
    return (
        incident.reschedules.filter(cancelled_at__isnull=True, confirmed_at__isnull=False)
        .order_by("-requested_at", "-pk")
        .first()
    )


def expected_due(kind, start, end, zone):
    facts = planning.Facts(
        incident_id=0, is_open=True, person_tz=zone, discovered_at=start,
        first_outreach_at=start,
        interview=planning.Interview(reschedule_id=0, version=0, start=start, end=end),
    )
    return {p.kind: p.due_at for p in planning._wanted(facts)}[kind]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=steps)
def test_property_pending_reminders_follow_the_last_confirmed_time_and_sent_ones_never_change(
    ops,
):
    user = UserFactory()
    now = T0
    incident = apologise(logged(user, now=now, discovered_at=now), now=now + timedelta(minutes=5))
    now += timedelta(minutes=10)
    sent: dict[int, tuple] = {}
    for op, hours, minutes in ops:
        incident.refresh_from_db()
        current = live_interview(incident)
        try:
            if op in ("confirm", "move"):
                incidents.reschedule_confirm(
                    incident=incident, start=now + timedelta(hours=hours, minutes=minutes),
                    time_zone="Europe/Berlin", duration_minutes=45, format="video",
                    location="https://meet.example/x", now=now,
                )
            elif op == "cancel" and current is not None:
                incidents.reschedule_cancel(reschedule=current, now=now)
            elif op == "attend" and current is not None:
                now = max(now, current.start + timedelta(minutes=10))
                incidents.interview_attended(incident=incident, now=now)
            elif op == "dispatch":
                with time_machine.travel(now, tick=False):
                    dispatch.run()
                for r in Reminder.objects.filter(incident=incident, status=S.SENT):
                    sent.setdefault(r.pk, tuple(getattr(r, f) for f in SNAPSHOT))
            elif op == "wait":
                now += timedelta(hours=hours)
        except TransitionRefused:
            pass
        now += timedelta(minutes=minutes + 1)

    incident.refresh_from_db()
    current = live_interview(incident)
    pending = list(
        Reminder.objects.filter(
            incident=incident, status=S.PENDING, kind__in=Reminder.INTERVIEW_KINDS
        )
    )
    if current is None:
        assert pending == []
    else:
        for r in pending:
            assert (r.reschedule_id, r.version) == (current.pk, current.version)
            usual = expected_due(r.kind, current.start, current.end, incident.candidate_tz)
            if r.due_at != usual:
                # Planned after its usual time (caught up), or held through quiet hours.
                assert usual < r.due_at < r.expires_at
                assert "Planned after its usual time" in r.reason or "quiet hours" in r.reason
        planned = Reminder.objects.filter(
            incident=incident, reschedule=current, version=current.version,
            kind__in=[Reminder.Kind.BEFORE_24H, Reminder.Kind.BEFORE_1H],
        )
        assert planned.count() == 2, "the current time's reminders exist (maybe as skipped)"
    for pk, before in sent.items():
        r = Reminder.objects.get(pk=pk)
        assert tuple(getattr(r, f) for f in SNAPSHOT) == before

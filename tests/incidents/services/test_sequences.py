"""A property: random sequences of reschedule moves keep the version monotonic and at most one live
interview."""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests import scenarios
from tests.factories import UserFactory
from tests.incidents.services import fresh
from tests.scenarios import T0
from tracker.incidents import services
from tracker.incidents.models import Reschedule
from tracker.incidents.selectors import situation_for
from tracker.incidents.services import TransitionRefused

pytestmark = pytest.mark.django_db


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
                r = situation_for(incident).current
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

"""Hypothesis over sequences of confirm / move / change / call-off, with the real services and the
real dispatcher sending after each step (time passing, so the 24 h and 1 h reminders go too):
every copy of the invite that goes out carries the incident's one UID, its SEQUENCE is greater
than the one of every copy sent before it, and the last copy sent says what the database
says."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory
from tests.messaging.copies import send_due
from tests.scenarios import T0, apologise, logged
from tracker.incidents import services
from tracker.incidents.models import Incident
from tracker.incidents.phases import TransitionRefused
from tracker.incidents.selectors import situation_for
from tracker.reminders import planning

pytestmark = pytest.mark.django_db

steps = st.lists(
    st.tuples(
        st.sampled_from(["confirm", "move", "change", "cancel", "wait"]),
        st.integers(min_value=2, max_value=72),  # hours ahead for a start, or to wait
        st.integers(min_value=1, max_value=59),  # minutes before the next step
    ),
    min_size=1,
    max_size=8,
)
LINKS = ["https://meet.example/a", "https://meet.example/b"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=steps)
def test_property_sequence_only_grows_and_the_uid_never_changes(ops):
    Incident.objects.all().delete()  # the examples share one database: start from none
    user = UserFactory()
    now = T0
    incident = logged(user, now=now, discovered_at=now)
    apologise(incident, now=now + timedelta(minutes=5))
    now += timedelta(minutes=10)
    sent = []  # (kind, uid, sequence, method, start) in the order they went out
    link = 0
    for op, hours, minutes in ops:
        incident.refresh_from_db()
        current = situation_for(incident).interview
        try:
            if op == "confirm" or (op in ("move", "change") and current is None):
                services.reschedule_confirm(
                    incident=incident, start=now + timedelta(hours=hours), time_zone="UTC",
                    duration_minutes=45, format="video", location=LINKS[link], now=now)
            elif op == "move":
                services.reschedule_confirm(
                    incident=incident, start=current.start + timedelta(hours=hours),
                    time_zone=current.time_zone, duration_minutes=current.duration_minutes,
                    format=current.format, location=current.location, now=now)
            elif op == "change":
                link = 1 - link
                services.reschedule_confirm(
                    incident=incident, start=current.start, time_zone=current.time_zone,
                    duration_minutes=current.duration_minutes, format=current.format,
                    location=LINKS[link], now=now)
            elif op == "cancel" and situation_for(incident).current is not None:
                services.reschedule_cancel(reschedule=situation_for(incident).current, now=now)
            elif op == "wait":
                now += timedelta(hours=hours)
        except TransitionRefused:
            pass
        for s in send_due(now):
            if not str(s.msg["Message-ID"]).startswith(f"<reminder.{incident.pk}."):
                continue  # another example's incident (the examples share one database)
            event = s.event()
            if event is not None:
                sent.append((s.kind, str(event["UID"]), int(event.decoded("SEQUENCE")),
                             s.method(), event.decoded("DTSTART")))
        now += timedelta(minutes=minutes)

    assert len({uid for _, uid, *_ in sent}) <= 1, sent
    sequences = [sequence for _, _, sequence, _, _ in sent]
    assert all(a < b for a, b in zip(sequences, sequences[1:], strict=False)), sent
    assert all(kind in planning.NOTICE_KINDS for kind, *_ in sent), sent
    notices = [x for x in sent if x[0] in planning.NOTICE_KINDS]
    if notices:
        # The last notice sent is the calendar's last word: it matches the database.
        kind, _, sequence, method, start = notices[-1]
        situation = situation_for(incident)
        entry = situation.calendar_entry
        if entry is not None and entry.last_change and entry.sequence == sequence:
            assert (method == "CANCEL") == (entry.cancelled_at is not None)
            assert start == entry.start

"""Issue 15: the alarm self-test. "Test my alarms" makes a throwaway event 10 minutes ahead
with an alarm 5 minutes before it (in the calendar feed and as an .ics); once the alarm time
has passed the person records whether it rang. Only a passed test ticks the "Alarms on two
devices" safeguard (`consolidate.safeguard_set` refuses to tick it by hand); a test that did not
ring says what to check. The latest test lives on the incident, every answer in the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..models import Incident, Safeguard
from ..phases import TransitionRefused
from ..selectors import situation_for
from .common import event, lock, service

LEAD = timedelta(minutes=10)  # the event starts this long after the click
ALARM_BEFORE = timedelta(minutes=5)  # its alarm rings this long before the start
RANG, SILENT = "rang", "silent"
# What to check when the alarm did not ring, in the order most often at fault.
CHECKS = (
    "Notifications are allowed for your calendar app (phone settings → Notifications).",
    "The calendar holding the test is shown and subscribed (the feed, or the imported .ics).",
    "The phone is not in do-not-disturb, focus or silent mode, and the volume is up.",
    "Your calendar's default alerts are not off for subscribed or imported events.",
    "A subscribed feed may refresh only every few hours (Google): import the .ics for the test.",
)


def alarm_at(incident: Incident) -> datetime | None:
    return incident.alarm_test_at - ALARM_BEFORE if incident.alarm_test_at else None


@service
def alarm_test_start(*, incident: Incident, now: datetime, actor=None) -> Incident:
    """A new throwaway event 10 minutes from now (replacing any earlier test)."""
    lock(incident)
    if not situation_for(incident).is_open:
        raise TransitionRefused("This incident is closed; reopen it to test your alarms.")
    if incident.alarm_test_at and not incident.alarm_test_result and now < incident.alarm_test_at:
        raise TransitionRefused("A test is running: its alarm rings 5 minutes before its start.")
    incident.alarm_test_at = now + LEAD
    incident.alarm_test_result = ""
    incident.alarm_test_answered_at = None
    incident.save(
        update_fields=["alarm_test_at", "alarm_test_result", "alarm_test_answered_at", "updated_at"]
    )
    event(
        incident,
        at=now,
        kind="alarm_test",
        actor=actor,
        message="Started an alarm self-test (a test event 10 minutes ahead)",
    )
    return incident


@service
def alarm_test_answer(*, incident: Incident, rang: bool, now: datetime, actor=None) -> Incident:
    """The person says whether the test alarm rang. Only after its alarm time; a pass ticks the
    "Alarms on two devices" safeguard."""
    lock(incident)
    if not incident.alarm_test_at:
        raise TransitionRefused("Start “Test my alarms” first.")
    if now < alarm_at(incident):
        raise TransitionRefused("Its alarm has not rung yet: answer after it was due.")
    result = RANG if rang else SILENT
    if incident.alarm_test_result == result:
        return incident
    incident.alarm_test_result = result
    incident.alarm_test_answered_at = now
    incident.save(update_fields=["alarm_test_result", "alarm_test_answered_at", "updated_at"])
    event(
        incident,
        at=now,
        kind="alarm_test",
        actor=actor,
        message="Alarm self-test: it rang" if rang else "Alarm self-test: it did not ring",
    )
    alarms = Safeguard.objects.filter(incident=incident, kind=Safeguard.Kind.DUPLICATE_ALARMS)
    if rang:
        alarms.filter(done_at__isnull=True).update(done_at=now)
    else:
        alarms.update(done_at=None)
    return incident

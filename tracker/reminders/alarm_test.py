"""Issue 15: the alarm self-test's calendar copies: its event (in the feed and as an .ics) and
the signed link of the .ics download (the link names the incident and the test's time: an older
test's link stops working when a new test starts)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core import signing
from django.urls import reverse

from tracker.incidents.services.alarm_test import ALARM_BEFORE, LEAD
from tracker.messaging import calendar
from tracker.signing import read_signed

SALT = "tracker.reminders.alarm_test"


def uid_for(incident) -> str:
    stamp = int(incident.alarm_test_at.timestamp())
    return f"incident-{incident.pk}-alarm-test-{stamp}@{calendar._domain()}"


def started_at(incident) -> datetime:
    """When the test was started (its event is LEAD after it)."""
    return incident.alarm_test_at - LEAD


def event_for(incident):
    """The test's event, or None without a test."""
    if incident.alarm_test_at is None:
        return None
    return calendar.alarm_test_event(
        uid=uid_for(incident),
        start=incident.alarm_test_at,
        alarm_before=ALARM_BEFORE,
        stamp=started_at(incident),
    )


def ics_for(incident) -> bytes | None:
    event = event_for(incident)
    return calendar.single_event_ics(event) if event is not None else None


def ics_path(incident) -> str:
    token = signing.dumps(
        {"i": incident.pk, "t": int(incident.alarm_test_at.timestamp())}, salt=SALT
    )
    return reverse("alarm_test_ics", args=[token])


def read(token: str) -> tuple[int, datetime]:
    """(incident id, the test's time) of a download link; BadToken for one that is not ours."""
    return read_signed(token, salt=SALT, read=lambda data: (
        int(data["i"]), datetime.fromtimestamp(int(data["t"]), UTC)
    ))

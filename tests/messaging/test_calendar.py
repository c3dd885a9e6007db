"""tracker/messaging/calendar.py: the confirmed interview as an .ics."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from tests.reminders.steps import START, T0, confirm, confirmed
from tracker.incidents import services as incidents
from tracker.messaging import calendar

pytestmark = pytest.mark.django_db


def ics_for(incident):
    r = incidents.current_reschedule(incident)
    return r, Calendar.from_ical(
        calendar.interview_ics(r, incident=incident, person_tz="America/Chicago")
    )


def test_event_is_in_its_zone_with_a_vtimezone(user):
    incident = confirmed(user)
    _, cal = ics_for(incident)
    (event,) = cal.walk("VEVENT")
    (tz,) = cal.walk("VTIMEZONE")
    assert tz["TZID"] == "Asia/Kolkata"
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"
    start = event.decoded("DTSTART")
    assert start.astimezone(UTC) == START
    assert (start.hour, start.minute) == (20, 30)
    assert event.decoded("DTEND") - start == timedelta(minutes=45)


def test_event_has_alarms_24h_and_1h_before(user):
    incident = confirmed(user)
    _, cal = ics_for(incident)
    triggers = {a.decoded("TRIGGER") for a in cal.walk("VALARM")}
    assert {-timedelta(hours=24), -timedelta(hours=1)} <= triggers
    assert all(a["ACTION"] == "DISPLAY" for a in cal.walk("VALARM"))


def test_description_has_both_zones_and_link(user):
    incident = confirmed(user)
    _, cal = ics_for(incident)
    (event,) = cal.walk("VEVENT")
    text = str(event["DESCRIPTION"])
    assert "09:00 CST (America/Chicago)" in text and "20:30 IST (Asia/Kolkata)" in text
    assert str(event["URL"]) == "https://meet.example/abc"
    assert str(event["SUMMARY"]) == "Interview: Backend engineer at Acme"


def test_uid_is_stable_and_sequence_follows_the_version_when_moved(user):
    incident = confirmed(user)
    r1, cal1 = ics_for(incident)
    confirm(incident, start=START + timedelta(days=1), now=T0 + timedelta(hours=2))
    r2, cal2 = ics_for(incident)
    (e1,), (e2,) = cal1.walk("VEVENT"), cal2.walk("VEVENT")
    assert e1["UID"] == e2["UID"]
    assert (e1["SEQUENCE"], e2["SEQUENCE"]) == (1, 2)


def test_vtimezone_covers_a_dst_zone_around_the_interview(user):
    incident = confirmed(user)
    r = incidents.current_reschedule(incident)
    r.time_zone = "Europe/Berlin"
    r.start = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # the morning Berlin springs forward
    cal = Calendar.from_ical(calendar.interview_ics(r, incident=incident, person_tz="UTC"))
    (tz,) = cal.walk("VTIMEZONE")
    assert {c.name for c in tz.subcomponents} == {"STANDARD", "DAYLIGHT"}
    (event,) = cal.walk("VEVENT")
    assert event.decoded("DTSTART").hour == 10  # 10:00 CEST

"""tracker/messaging/calendar.py: the confirmed interview as an .ics."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

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


def reference_ics(reschedule, *, incident, person_tz):
    """The .ics as icalendar's component tree serialises it (what interview_ics used to build
    for every email): the fast line-by-line writer must give the same bytes."""
    from icalendar import Alarm, Event

    from tracker.zones import in_zones

    zone = reschedule.time_zone or incident.interview_tz
    tz = ZoneInfo(zone)
    start, end = reschedule.start.astimezone(tz), reschedule.end.astimezone(tz)
    cal = Calendar()
    cal.add("prodid", calendar.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", calendar.uid_for(reschedule))
    event.add("sequence", reschedule.version)
    event.add("dtstamp", reschedule.confirmed_at or reschedule.start)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"Interview: {incident.role} at {incident.company}")
    event.add("status", "CONFIRMED")
    location = reschedule.location.strip()
    if location:
        event.add("location", location)
        if location.startswith(("http://", "https://")) and location.isprintable():
            event.add("url", location)
    lines = ["Your rescheduled interview."]
    lines += [f"Time: {z}" for z in in_zones(reschedule.start, person_tz, zone)]
    if reschedule.interviewer_id:
        lines.append(f"Interviewer: {reschedule.interviewer.name}")
    if location:
        lines.append(f"Link or place: {location}")
    lines.append("Join 10–15 minutes early.")
    event.add("description", "\n".join(lines))
    for before, text in calendar.ALARMS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", text)
        alarm.add("trigger", -before)
        event.add_component(alarm)
    cal.add_component(event)
    body = cal.to_ical()
    end_tag = b"END:VCALENDAR"
    cut = body.rindex(end_tag)
    return body[:cut] + calendar.vtimezone(zone, start.year) + body[cut:]


@pytest.mark.parametrize(
    ("zone", "location", "role", "company", "interviewer"),
    [
        ("Europe/Berlin", "https://meet.example/x", "Engineer", "Company 0", None),
        ("Asia/Kolkata", "", "Backend engineer", "Acme", "Priya Raman"),
        ("America/Argentina/Buenos_Aires", "Hauptstraße 5, 3. Stock; Raum \\N 12\r\nTür links",
         "Ingénieur·e, R&D; équipe « plateforme » " * 3, "Ünïcode, Ltd.; 株式会社", "Zoë O'Brien"),
        ("Etc/GMT+5", "https://meet.example/" + "a\\b" * 40, "Lead\\Engineer", "A,B;C", None),
        ("Australia/Lord_Howe", "https://meet.example/x\nsecond line", "€" * 50, "x", "a" * 200),
    ],
)
def test_ics_bytes_are_those_icalendar_would_write(zone, location, role, company, interviewer):
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    reschedule = SimpleNamespace(
        pk=42, version=3, time_zone=zone, start=start, end=start + timedelta(minutes=45),
        confirmed_at=start - timedelta(days=2, seconds=7), location=location,
        interviewer_id=7 if interviewer else None,
        interviewer=SimpleNamespace(name=interviewer) if interviewer else None,
    )
    incident = SimpleNamespace(interview_tz="UTC", role=role, company=company)
    fast = calendar.interview_ics(reschedule, incident=incident, person_tz="America/Chicago")
    assert fast == reference_ics(reschedule, incident=incident, person_tz="America/Chicago")
    (event,) = Calendar.from_ical(fast).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Interview: {role} at {company}"
    if location:
        assert str(event["LOCATION"]) == location.strip().replace("\\N", "\n").replace(
            "\r\n", "\n")


def test_ascii_folding_cuts_where_the_character_by_character_folding_cuts():
    import random

    rnd = random.Random(5545)
    for _ in range(3000):
        line = "".join(rnd.choice("ab\\^,; ") for _ in range(rnd.randint(0, 400)))
        assert calendar._fold(line) == calendar._fold_chars(line), line
    assert calendar._fold("x" * 74) == "x" * 74
    assert calendar._fold("x" * 75) == "x" * 74 + "\r\n x"
    assert calendar._fold("x" * 73 + "\\n") == "x" * 73 + "\r\n \\n"

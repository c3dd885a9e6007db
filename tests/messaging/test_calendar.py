"""tracker/messaging/calendar.py: the confirmed interview as an .ics."""

import random
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from icalendar import Calendar

from tests.scenarios import START, T0, confirm, confirmed
from tracker.incidents.selectors import situation_for
from tracker.messaging import calendar
from tracker.zones import in_zones

pytestmark = pytest.mark.django_db
ZERO = timedelta(0)


NOW = T0 + timedelta(hours=2)


def ics_for(incident, now=NOW, **kw):
    r = situation_for(incident).calendar_entry
    return r, Calendar.from_ical(
        calendar.interview_ics(r, incident=incident, person_tz="America/Chicago", now=now, **kw)
    )


def test_event_is_in_utc_with_the_agreed_zone_named_and_no_vtimezone(user):
    incident = confirmed(user)
    _, cal = ics_for(incident)
    (event,) = cal.walk("VEVENT")
    assert cal.walk("VTIMEZONE") == []
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Kolkata"
    assert "TZID" not in event["DTSTART"].params
    assert event.decoded("DTSTART") == START and event.decoded("DTSTART").utcoffset() == ZERO
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert "Agreed in Asia/Kolkata." in str(event["DESCRIPTION"])


def test_event_has_alarms_24h_1h_and_15_minutes_before_as_exact_durations(user):
    incident = confirmed(user)
    _, cal = ics_for(incident)
    triggers = [a.decoded("TRIGGER") for a in cal.walk("VALARM")]
    assert triggers == [-timedelta(hours=24), -timedelta(hours=1), -timedelta(minutes=15)]
    assert all(a["ACTION"] == "DISPLAY" for a in cal.walk("VALARM"))
    raw = calendar.interview_ics(situation_for(incident).interview, incident=incident,
                                 person_tz="UTC", now=NOW).decode()
    assert [line for line in raw.splitlines() if line.startswith("TRIGGER")] == [
        "TRIGGER:-PT24H", "TRIGGER:-PT1H", "TRIGGER:-PT15M"]


def test_alarms_already_past_when_the_copy_is_made_are_left_out(user):
    incident = confirmed(user)
    for now, left in (
        (START - timedelta(hours=25), 3),
        (START - timedelta(hours=23), 2),
        (START - timedelta(minutes=30), 1),
        (START - timedelta(minutes=10), 0),
    ):
        _, cal = ics_for(incident, now=now)
        assert len(cal.walk("VALARM")) == left, now


def test_description_has_both_zones_and_link(user):
    incident = confirmed(user)
    _, cal = ics_for(incident)
    (event,) = cal.walk("VEVENT")
    text = str(event["DESCRIPTION"])
    assert "09:00 CST (America/Chicago)" in text and "20:30 IST (Asia/Kolkata)" in text
    assert str(event["URL"]) == "https://meet.example/abc"
    assert str(event["SUMMARY"]) == "Interview: Backend engineer at Acme"


def test_uid_is_the_incidents_and_sequence_and_dtstamp_follow_each_change(user):
    incident = confirmed(user)
    _, cal1 = ics_for(incident)
    confirm(incident, start=START + timedelta(days=1), now=T0 + timedelta(hours=2))
    _, cal2 = ics_for(incident, now=T0 + timedelta(hours=3))
    (e1,), (e2,) = cal1.walk("VEVENT"), cal2.walk("VEVENT")
    assert str(e1["UID"]) == str(e2["UID"]) == f"incident-{incident.pk}-interview@127.0.0.1"
    assert (e1.decoded("SEQUENCE"), e2.decoded("SEQUENCE")) == (1, 2)
    assert e2.decoded("DTSTAMP") == T0 + timedelta(hours=3)


def test_a_request_names_organizer_and_attendee_and_a_cancel_drops_the_alarms(user):
    incident = confirmed(user)
    who = {"organizer": ("Tracker", "reminders@example.org"),
           "attendee": ("Zoë", "zoe@example.org")}
    _, cal = ics_for(incident, method=calendar.REQUEST, **who)
    (event,) = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "REQUEST" and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:reminders@example.org"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    from tracker.incidents import services

    services.reschedule_cancel(reschedule=situation_for(incident).current,
                               now=T0 + timedelta(hours=3))
    _, cal = ics_for(incident, method=calendar.REQUEST, **who)
    (event,) = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert event.walk("VALARM") == [] and event.decoded("SEQUENCE") == 2
    assert str(event["SUMMARY"]).startswith("Called off: ")


OCT_25 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def reschedule_for(zone, *, location="", interviewer=None, start=OCT_25, minutes=45):
    return SimpleNamespace(
        pk=42, version=3, sequence=5, time_zone=zone, start=start,
        end=start + timedelta(minutes=minutes), cancelled_at=None,
        confirmed_at=start - timedelta(days=2, seconds=7), location=location,
        interviewer_id=7 if interviewer else None,
        interviewer=SimpleNamespace(name=interviewer) if interviewer else None,
    )


def utc(value):
    """An aware datetime as a UTC instant (an instant in a repeated hour never compares equal
    to one in another zone, PEP 495)."""
    return value.astimezone(UTC)


def build(reschedule, *, role="Engineer", company="Acme", interview_tz="UTC"):
    incident = SimpleNamespace(pk=9, interview_tz=interview_tz, role=role, company=company)
    raw = calendar.interview_ics(reschedule, incident=incident, person_tz="America/Chicago",
                                 now=reschedule.confirmed_at)
    return raw, Calendar.from_ical(raw)


@pytest.mark.parametrize(
    ("zone", "location", "role", "company", "interviewer"),
    [
        # 01:15 UTC is 02:15 CET, the second 02:15 of that night.
        ("Europe/Berlin", "https://meet.example/x", "Engineer", "Company 0", None),
        ("Asia/Kolkata", "", "Backend engineer", "Acme", "Priya Raman"),
        ("America/Argentina/Buenos_Aires", "Hauptstraße 5, 3. Stock; Raum \\N 12\r\nTür links",
         "Ingénieur·e, R&D; équipe « plateforme » " * 3, "Ünïcode, Ltd.; 株式会社", "Zoë O'Brien"),
        ("Etc/GMT+5", "https://meet.example/" + "a\\b" * 40, "Lead\\Engineer", "A,B;C", None),
        ("Australia/Lord_Howe", "https://meet.example/x\nsecond line", "€" * 50, "x", "a" * 200),
    ],
)
def test_every_property_reads_back_through_icalendar(zone, location, role, company, interviewer):
    r = reschedule_for(zone, location=location, interviewer=interviewer)
    raw, cal = build(r, role=role, company=company)
    assert str(cal["PRODID"]) == calendar.PRODID
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == "incident-9-interview@127.0.0.1"
    assert event.decoded("SEQUENCE") == 5
    assert event.decoded("DTSTAMP") == r.confirmed_at
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
    # The instants, in UTC: no reader can take them for other instants; the zone is named.
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start, end) == (r.start, r.end)
    assert start.utcoffset() == end.utcoffset() == timedelta(0)
    assert "TZID" not in event["DTSTART"].params and "TZID" not in event["DTEND"].params
    assert cal.walk("VTIMEZONE") == []
    assert str(cal["X-WR-TIMEZONE"]) == zone
    assert str(event["SUMMARY"]) == f"Interview: {role} at {company}"
    place = location.strip().replace("\r\n", "\n")
    lines = ["Your rescheduled interview."]
    lines += [f"Time: {z}" for z in in_zones(r.start, "America/Chicago", zone)]
    lines.append(f"Agreed in {zone}.")
    lines += [f"Interviewer: {interviewer}"] if interviewer else []
    lines += [f"Link or place: {place}"] if place else []
    lines.append("Join 10–15 minutes early.")
    description = str(event["DESCRIPTION"])
    assert description == "\n".join(lines)
    assert "(America/Chicago)" in description
    assert f"({zone.replace('_', ' ')})" in description
    if place:
        assert str(event["LOCATION"]) == place
    else:
        assert "LOCATION" not in event
    if place.startswith("https://") and "\n" not in place and "\\" not in place:
        assert str(event["URL"]) == place
    else:
        assert "URL" not in event
    assert str(event["STATUS"]) == "CONFIRMED"
    alarms = event.walk("VALARM")
    assert [(str(a["ACTION"]), a.decoded("TRIGGER"), str(a["DESCRIPTION"])) for a in alarms] == [
        ("DISPLAY", -before, text) for before, text in calendar.ALARMS
    ]
    assert [utc(start) + a.decoded("TRIGGER") for a in alarms] == [
        r.start - timedelta(hours=24), r.start - timedelta(hours=1), r.start - timedelta(minutes=15)
    ]


def test_a_typed_backslash_n_stays_a_backslash_and_an_n():
    """icalendar reads "\\N" in a Python string as a line break; typed by a person it is two
    characters and must read back as those two."""
    place = "https://meet.example/Room\\N12"
    r = reschedule_for("Asia/Kolkata", location=place)
    raw, cal = build(r, role="R\\N&D", company="C:\\new\\Notes")
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Interview: R\\N&D at C:\\new\\Notes"
    assert str(event["LOCATION"]) == place
    assert f"\nLink or place: {place}\n" in str(event["DESCRIPTION"])
    # Not a URI (RFC 3986 has no backslash), and read as an escape in a URL value: no URL.
    assert "URL" not in event
    assert b"R\\\\N&D" in raw  # an escaped backslash, then N


def test_control_characters_do_not_break_the_file():
    hostile = ("a\x00b\x07c\x0bd\x0ce\x1bf\x7fg\x85h\u2028i\u2029j\tk\rl\r\nm\n"
               "ATTENDEE:mailto:x@example.com")
    # Line breaks are line breaks, TAB stays, any other control character is replaced.
    readable = ("a\ufffdb\ufffdc\nd\ne\ufffdf\ufffdg\nh\ni\nj\tk\nl\nm\n"
                "ATTENDEE:mailto:x@example.com")
    r = reschedule_for("Europe/Berlin", location="https://meet.example/" + hostile,
                       interviewer=hostile, start=OCT_25 - timedelta(days=1))
    raw, cal = build(r, role=hostile, company=hostile)
    # RFC 5545 3.1 and 3.3.11: content lines end in CRLF; no control character but HTAB.
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(lines[:-1])
    for line in lines:
        assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line), line
        assert not re.search("[\x80-\x9f\u2028\u2029]", line.decode()), line
    (event,) = cal.walk("VEVENT")
    assert not {"ATTENDEE", "URL"} & set(event)
    assert str(event["SUMMARY"]) == f"Interview: {readable} at {readable}"
    assert str(event["LOCATION"]) == "https://meet.example/" + readable
    assert f"Interviewer: {readable}\n" in str(event["DESCRIPTION"])
    assert (utc(event.decoded("DTSTART")), utc(event.decoded("DTEND"))) == (r.start, r.end)
    assert len(event.walk("VALARM")) == 3


def test_long_lines_fold_at_75_octets_and_unfold_to_the_same_text():
    rnd = random.Random(5545)
    for _ in range(150):
        text = "".join(rnd.choice("ab\\^,;: Nné€株") for _ in range(rnd.randint(0, 300)))
        raw, cal = build(reschedule_for("Asia/Kolkata", location=text), role=text, company=text)
        for line in raw.split(b"\r\n"):
            assert len(line) <= 75, line
            line.decode()  # never cut inside a character
        (event,) = cal.walk("VEVENT")
        assert str(event["SUMMARY"]) == f"Interview: {text} at {text}"
        if text.strip():
            assert str(event["LOCATION"]) == text.strip()


def test_the_repeated_hour_is_written_as_its_own_instant():
    """Berlin goes back from 03:00 CEST to 02:00 CET at 01:00 UTC on 25 Oct 2026: a wall time
    with a TZID means the first of the two (RFC 5545 3.3.5); in UTC there is no doubt."""
    for start in (OCT_25, OCT_25 + timedelta(hours=1)):  # the first and the second 02:30
        r = reschedule_for("Europe/Berlin", start=start)
        raw, cal = build(r)
        (event,) = cal.walk("VEVENT")
        assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in raw.decode()
        assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (r.start, r.end)


def test_an_interview_agreed_in_utc_is_written_in_utc_without_a_vtimezone():
    r = reschedule_for("")  # no zone on the reschedule: the incident's, UTC
    _, cal = build(r, interview_tz="UTC")
    assert cal.walk("VTIMEZONE") == []
    (event,) = cal.walk("VEVENT")
    for name, instant in (("DTSTART", r.start), ("DTEND", r.end)):
        assert "TZID" not in event[name].params
        assert event.decoded(name) == instant
        assert event.decoded(name).utcoffset() == timedelta(0)
    assert "(UTC)" in str(event["DESCRIPTION"])


def test_the_same_interview_at_the_same_moment_gives_the_same_file():
    r = reschedule_for("Australia/Lord_Howe", location="https://meet.example/x")
    first, cal = build(r)
    assert build(r)[0] == first
    assert len(cal.walk("VALARM")) == 3

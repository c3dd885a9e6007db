"""The confirmed interview as an iCalendar file (RFC 5545), built and serialised by icalendar:
the event in the zone it was agreed in, with its VTIMEZONE, both zones in the description, and
alarms 24 h, 1 h and 15 min before.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Alarm, Calendar, Event, Timezone, vText

from tracker.zones import in_zones

PRODID = "-//Interview recovery tracker//Reminders//EN"
ALARMS = (
    (timedelta(hours=24), "Interview tomorrow: check the time, link or place, and your route."),
    (timedelta(hours=1), "Interview in 1 hour: tech check now, join 10–15 minutes early."),
    (timedelta(minutes=15), "Interview in 15 minutes: join now."),
)

# Line breaks other than CR and LF (which icalendar writes as \n) are line breaks too; any other
# control character has no place in an RFC 5545 TEXT value (TAB aside) and is replaced.
_OTHER_LINE_BREAKS = re.compile(r"[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


class _Text(vText):
    """A TEXT value whose backslashes are all literal.

    icalendar's TEXT escaping reads the two characters backslash and N in a Python string as a
    line break (its documented shortcut), so a "\\N" typed by the person would come back as a
    new line. Each piece between backslashes is escaped by icalendar's own vText and the
    pieces are joined with an escaped backslash."""

    def to_ical(self) -> bytes:
        pieces = (vText(piece, self.encoding).to_ical() for piece in self.split("\\"))
        return b"\\\\".join(pieces)


def _text(value: str) -> _Text:
    """Text typed by a person, as a TEXT value that keeps the file well-formed."""
    value = _OTHER_LINE_BREAKS.sub("\n", value)
    return _Text(_CONTROLS.sub("\ufffd", value))


def _wall_time(instant: datetime, tz: ZoneInfo) -> datetime:
    """`instant` in the agreed zone, unless it is the second of two instants with the same wall
    time (the hour repeated when the clocks go back): a local time with a TZID means the first
    (RFC 5545 3.3.5), so that one is written in UTC."""
    local = instant.astimezone(tz)
    if local.replace(fold=0).astimezone(UTC) != instant.astimezone(UTC):
        return instant.astimezone(UTC)
    return local


def uid_for(reschedule) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "tracker.invalid"
    return f"interview-{reschedule.pk}@{domain}"


def interview_ics(reschedule, *, incident, person_tz: str, now: datetime | None = None) -> bytes:
    """The interview of a confirmed reschedule. The UID stays the same when the interview
    moves and SEQUENCE follows its version, so calendars update the event in place."""
    zone = reschedule.time_zone or incident.interview_tz
    tz = ZoneInfo(zone)
    location = reschedule.location.strip()

    lines = ["Your rescheduled interview."]
    lines += [f"Time: {z}" for z in in_zones(reschedule.start, person_tz, zone)]
    if reschedule.interviewer_id:
        lines.append(f"Interviewer: {reschedule.interviewer.name}")
    if location:
        lines.append(f"Link or place: {location}")
    lines.append("Join 10–15 minutes early.")

    event = Event()
    event.add("summary", _text(f"Interview: {incident.role} at {incident.company}"))
    event.add("dtstart", _wall_time(reschedule.start, tz))
    event.add("dtend", _wall_time(reschedule.end, tz))
    event.add("dtstamp", (now or reschedule.confirmed_at or reschedule.start).astimezone(UTC))
    event.add("uid", uid_for(reschedule))
    event.add("sequence", int(reschedule.version))
    event.add("description", _text("\n".join(lines)))
    if location:
        event.add("location", _text(location))
    event.add("status", "CONFIRMED")
    # Only a one-line link is a URL (icalendar refuses one with a line break in it). A URI has
    # no backslash (RFC 3986), and readers take one in a URL value for an escape ("\N" would
    # read back as a line break): such a link stays in LOCATION only.
    if (
        location.startswith(("http://", "https://"))
        and location.isprintable()
        and "\\" not in location
    ):
        event.add("url", location)
    for alarm in _alarms():
        event.add_component(alarm)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add_component(event)
    # A VTIMEZONE, first, for each zone a time is written in (none for UTC, written with a Z):
    # what Calendar.add_missing_timezones does, with each built once per zone and year.
    for tzid in sorted(cal.get_missing_tzids(), reverse=True):
        cal.subcomponents.insert(0, vtimezone(tzid, reschedule.start.astimezone(tz).year))
    return cal.to_ical()


@lru_cache(maxsize=1)
def _alarms() -> tuple[Alarm, ...]:
    """The three alarms, the same in every file: built once and shared (read, never changed)."""
    alarms = []
    for before, text in ALARMS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", text)
        alarm.add("trigger", -before)
        alarms.append(alarm)
    return tuple(alarms)


@lru_cache(maxsize=256)
def vtimezone(zone: str, year: int) -> Timezone:
    """The VTIMEZONE of `zone` with its transitions from the year before to the year after
    (shared between calendars: read it, never change it)."""
    return Timezone.from_tzid(
        zone, first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31)
    )

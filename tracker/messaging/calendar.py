"""The confirmed interview as an iCalendar file (RFC 5545): the event in the zone it was agreed
in, with its VTIMEZONE, both zones in the description, and alarms 24 h, 1 h and 15 min before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Alarm, Timezone

from tracker.zones import in_zones

PRODID = "-//Interview recovery tracker//Reminders//EN"
ALARMS = (
    (timedelta(hours=24), "Interview tomorrow: check the time, link or place, and your route."),
    (timedelta(hours=1), "Interview in 1 hour: tech check now, join 10–15 minutes early."),
    (timedelta(minutes=15), "Interview in 15 minutes: join now."),
)


def uid_for(reschedule) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "tracker.invalid"
    return f"interview-{reschedule.pk}@{domain}"


def _text(value: str) -> str:
    """An RFC 5545 TEXT value, escaped as icalendar escapes it."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str, limit: int = 75) -> str:
    """One content line folded at 75 octets (RFC 5545 3.1), as icalendar folds it: never
    between a backslash and the character it escapes."""
    if len(line) < limit and len(line.encode()) < limit:
        return line
    if not line.isascii():
        return _fold_chars(line, limit)
    # ASCII: one octet a character, so the same cuts by slicing.
    parts = []
    start, width = 0, limit - 1
    while len(line) - start > width:
        cut = start + width
        if line[cut - 1] in "\\^":  # carried over with the character it escapes
            cut -= 1
        parts.append(line[start:cut])
        start = cut
    parts.append(line[start:])
    return "\r\n ".join(parts)


def _fold_chars(line: str, limit: int = 75) -> str:
    """_fold, character by character (for lines with multi-octet characters)."""
    if len(line.encode()) < limit:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        n = len(char.encode())
        if current and size + n >= limit:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                parts.append("".join(current))
                current, size = [carried], len(carried.encode())
            else:
                parts.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _alarms() -> str:
    lines = []
    for before, text in ALARMS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", text)
        alarm.add("trigger", -before)
        lines.append(alarm.to_ical().decode())
    return "".join(lines)


# The constant parts, serialised once by icalendar itself.
_ALARMS = _alarms()
_HEAD = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
    + _fold(f"PRODID:{_text(PRODID)}")
    + "\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\n"
)


def interview_ics(reschedule, *, incident, person_tz: str, now: datetime | None = None) -> bytes:
    """The interview of a confirmed reschedule. The UID stays the same when the interview
    moves and SEQUENCE follows its version, so calendars update the event in place.

    Written line by line (the same bytes icalendar's Calendar.to_ical gives, which a test
    checks): building the component tree for every reminder email cost more than the rest of
    the message together."""
    zone = reschedule.time_zone or incident.interview_tz
    tz = ZoneInfo(zone)
    start = reschedule.start.astimezone(tz)
    end = reschedule.end.astimezone(tz)
    stamp = (now or reschedule.confirmed_at or reschedule.start).astimezone(UTC)
    location = reschedule.location.strip()
    lines = ["Your rescheduled interview."]
    lines += [f"Time: {z}" for z in in_zones(reschedule.start, person_tz, zone)]
    if reschedule.interviewer_id:
        lines.append(f"Interviewer: {reschedule.interviewer.name}")
    if location:
        lines.append(f"Link or place: {location}")
    lines.append("Join 10–15 minutes early.")
    props = [
        f"SUMMARY:{_text(f'Interview: {incident.role} at {incident.company}')}",
        f"DTSTART;TZID={zone}:{_local(start)}",
        f"DTEND;TZID={zone}:{_local(end)}",
        f"DTSTAMP:{_local(stamp)}Z",
        f"UID:{_text(uid_for(reschedule))}",
        f"SEQUENCE:{int(reschedule.version)}",
        f"DESCRIPTION:{_text(chr(10).join(lines))}",
    ]
    if location:
        props.append(f"LOCATION:{_text(location)}")
    props.append("STATUS:CONFIRMED")
    # Only a one-line link is a URL (icalendar refuses one with a line break in it).
    if location and location.startswith(("http://", "https://")) and location.isprintable():
        props.append(f"URL:{location}")
    event = "".join(_fold(p) + "\r\n" for p in props)
    # The VTIMEZONE for the event's zone (RFC 5545 allows it after the VEVENT), serialised once
    # per zone and year.
    return (
        (_HEAD + event + _ALARMS + "END:VEVENT\r\n").encode()
        + vtimezone(zone, start.year)
        + b"END:VCALENDAR\r\n"
    )


@lru_cache(maxsize=256)
def vtimezone(zone: str, year: int) -> bytes:
    """The VTIMEZONE of `zone` with its transitions from the year before to the year after."""
    return Timezone.from_tzid(
        zone, first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31)
    ).to_ical()

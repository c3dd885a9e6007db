"""The confirmed interview as an iCalendar file (RFC 5545): the event in the zone it was agreed
in, with its VTIMEZONE, both zones in the description, and alarms 24 h, 1 h and 15 min before.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Alarm, Calendar, Event, Timezone

from tracker.incidents.zones import in_zones

PRODID = "-//Interview recovery tracker//Reminders//EN"
ALARMS = (
    (timedelta(hours=24), "Interview tomorrow: check the time, link or place, and your route."),
    (timedelta(hours=1), "Interview in 1 hour: tech check now, join 10–15 minutes early."),
    (timedelta(minutes=15), "Interview in 15 minutes: join now."),
)


def uid_for(reschedule) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "tracker.invalid"
    return f"interview-{reschedule.pk}@{domain}"


def interview_ics(reschedule, *, incident, person_tz: str, now: datetime | None = None) -> bytes:
    """The interview of a confirmed reschedule. The UID stays the same when the interview
    moves and SEQUENCE follows its version, so calendars update the event in place."""
    zone = reschedule.time_zone or incident.interview_tz
    tz = ZoneInfo(zone)
    start = reschedule.start.astimezone(tz)
    end = reschedule.end.astimezone(tz)
    stamp = now or reschedule.confirmed_at or reschedule.start

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")

    event = Event()
    event.add("uid", uid_for(reschedule))
    event.add("sequence", reschedule.version)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"Interview: {incident.role} at {incident.company}")
    event.add("status", "CONFIRMED")
    location = reschedule.location.strip()
    if location:
        event.add("location", location)
        # Only a one-line link is a URL (icalendar refuses one with a line break in it).
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
    for before, text in ALARMS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", text)
        alarm.add("trigger", -before)
        event.add_component(alarm)
    cal.add_component(event)
    # The VTIMEZONE for the event's zone (RFC 5545 allows it after the VEVENT), serialised once
    # per zone and year: building it is most of the cost of a reminder email.
    body = cal.to_ical()
    end = b"END:VCALENDAR"
    return body[: body.rindex(end)] + vtimezone(zone, start.year) + body[body.rindex(end) :]


@lru_cache(maxsize=256)
def vtimezone(zone: str, year: int) -> bytes:
    """The VTIMEZONE of `zone` with its transitions from the year before to the year after."""
    return Timezone.from_tzid(
        zone, first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31)
    ).to_ical()

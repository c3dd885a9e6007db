"""The interview as an iCalendar file (RFC 5545, iTIP RFC 5546), built and serialised by
icalendar.

One calendar identity per incident: the UID comes from the incident, not from the reschedule
that holds the time, so a move, a call-off and a new time agreed after it all update the same
event. SEQUENCE is the incident's calendar counter (it only grows, one step per significant
change) and DTSTAMP is when this copy was made. DTSTART and DTEND are UTC instants, which no
reader can take for another instant (a local time with a TZID in a repeated hour means its first
occurrence, RFC 5545 3.3.5); the zone the time was agreed in is named in the text and in
X-WR-TIMEZONE. The alarms fire at the same absolute instants as the reminder emails (`-PT24H`,
not `-P1D`, which is a nominal day), and none already past is written. A called-off interview is
the same event with STATUS:CANCELLED, no alarms, under METHOD:CANCEL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vText

from tracker.zones import in_zones

PRODID = "-//Interview recovery tracker//Reminders//EN"
ALARMS = (
    (timedelta(hours=24), "Interview tomorrow: check the time, link or place, and your route."),
    (timedelta(hours=1), "Interview in 1 hour: tech check now, join 10–15 minutes early."),
    (timedelta(minutes=15), "Interview in 15 minutes: join now."),
)
PUBLISH, REQUEST, CANCEL = "PUBLISH", "REQUEST", "CANCEL"

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


class _Before(vDuration):
    """A trigger "this long before the start" in hours, minutes and seconds only: `-PT24H` is
    86,400 seconds wherever the start is; icalendar would write `-P1D`, a nominal day that a
    reader may take as 23 or 25 hours (or 23.5 on Lord Howe) across a clock change."""

    def to_ical(self) -> bytes:
        seconds = int(-self.td.total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        text = "-PT" + "".join(
            f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n
        )
        return text.encode()


def _text(value: str) -> _Text:
    """Text typed by a person, as a TEXT value that keeps the file well-formed."""
    value = _OTHER_LINE_BREAKS.sub("\n", value)
    return _Text(_CONTROLS.sub("\ufffd", value))


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "tracker.invalid"


def uid_for(incident) -> str:
    """The one UID of an incident's interview, whatever reschedule holds its time."""
    return f"incident-{incident.pk}-interview@{_domain()}"


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def _is_url(location: str) -> bool:
    # Only a one-line link is a URL (icalendar refuses one with a line break in it). A URI has
    # no backslash (RFC 3986), and readers take one in a URL value for an escape ("\N" would
    # read back as a line break): such a link stays in LOCATION only.
    return (
        location.startswith(("http://", "https://"))
        and location.isprintable()
        and "\\" not in location
    )


def _mailto(address: str, name: str = "", **params) -> vCalAddress:
    who = vCalAddress(f"mailto:{address}")
    if name:
        who.params["CN"] = _CONTROLS.sub("", " ".join(name.split()))
    for key, value in params.items():
        who.params[key.replace("_", "-").upper()] = value
    return who


def _alarm(before: timedelta, text: str) -> Alarm:
    """A display alarm a fixed length of time before the start."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", _Before(-before))
    return alarm


def alarms(start: datetime, now: datetime) -> list[Alarm]:
    """The alarms still ahead of `now`, each a fixed length of time before the start."""
    return [_alarm(before, text) for before, text in ALARMS if _utc(start) - before > _utc(now)]


def _event(
    *, uid: str, sequence: int, summary: str, description: str, start: datetime, end: datetime,
    stamp: datetime, status: str, transp: str, alarms: Iterable[Alarm] = (),
) -> Event:
    """An event with the properties every one of ours carries (the caller adds the others):
    the summary and description as typed text, the times in UTC."""
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("summary", _text(summary))
    event.add("description", _text(description))
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("dtstamp", _utc(stamp))
    event.add("status", status)
    event.add("transp", transp)
    for alarm in alarms:
        event.add_component(alarm)
    return event


def _interview_event(
    reschedule, *, incident, person_tz: str, stamp: datetime, cancelled: bool, more: list[str]
) -> Event:
    """The interview held by `reschedule` as the emailed copy and the feed's copy both show it:
    its times in both zones and then the `more` lines in the description, the one UID of the
    incident and its SEQUENCE, and (unless it is off) the alarms still ahead of `stamp`."""
    zone = reschedule.time_zone or incident.interview_tz
    lines = ["This interview was called off." if cancelled else "Your rescheduled interview."]
    lines += [f"Time: {z}" for z in in_zones(_utc(reschedule.start), person_tz, zone)]
    lines.append(f"Agreed in {zone}.")
    summary = f"Interview: {incident.role} at {incident.company}"
    return _event(
        uid=uid_for(incident), sequence=int(reschedule.sequence),
        summary=("Called off: " if cancelled else "") + summary,
        description="\n".join(lines + more),
        start=reschedule.start, end=reschedule.end, stamp=stamp,
        status="CANCELLED" if cancelled else "CONFIRMED",
        transp="TRANSPARENT" if cancelled else "OPAQUE",
        alarms=() if cancelled else alarms(reschedule.start, stamp),
    )


def _calendar(components: Iterable[Event], *properties: tuple) -> bytes:
    """A VCALENDAR of ours holding `components`: PRODID, VERSION and CALSCALE, then each of
    `properties` as (name, value) or (name, value, parameters)."""
    cal = Calendar()
    for prop in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"), *properties):
        cal.add(*prop)
    for component in components:
        cal.add_component(component)
    return cal.to_ical()


def interview_ics(
    reschedule,
    *,
    incident,
    person_tz: str,
    now: datetime,
    method: str = PUBLISH,
    organizer: tuple[str, str] | None = None,
    attendee: tuple[str, str] | None = None,
) -> bytes:
    """This copy of the incident's interview, as held by `reschedule` (the confirmed one, or
    the last one called off: then the event is cancelled). `now` is when the copy is made (its
    DTSTAMP; alarms before it are left out). `method` is PUBLISH for a file to import, REQUEST
    for the invite in an email (mail clients offer to add or update the event) and CANCEL for
    a call-off; a REQUEST or CANCEL names `organizer` and `attendee` as (name, address), as
    iTIP asks."""
    cancelled = reschedule.cancelled_at is not None or method == CANCEL
    location = reschedule.location.strip()
    more = []
    if reschedule.interviewer_id:
        more.append(f"Interviewer: {reschedule.interviewer.name}")
    if location:
        more.append(f"Link or place: {location}")
    if not cancelled:
        more.append("Join 10–15 minutes early.")

    event = _interview_event(
        reschedule, incident=incident, person_tz=person_tz, stamp=now, cancelled=cancelled,
        more=more,
    )
    if location:
        event.add("location", _text(location))
    if _is_url(location):
        event.add("url", location)
    if method in (REQUEST, CANCEL) and organizer and attendee:
        event.add("organizer", _mailto(organizer[1], organizer[0]))
        event.add("attendee", _mailto(
            attendee[1], attendee[0], role="REQ-PARTICIPANT", partstat="ACCEPTED",
            rsvp="FALSE",
        ))
    return _calendar(
        [event],
        ("method", CANCEL if cancelled else method),
        ("x-wr-timezone", reschedule.time_zone or incident.interview_tz),
    )


# --- Issue 15: the person's live calendar feed ------------------------------------------------
#
# One VCALENDAR without METHOD (a subscription, not an iTIP message) holding every upcoming
# agreed interview and the called-off ones as STATUS:CANCELLED, each under its incident's one UID
# and SEQUENCE, so a subscribed calendar updates the event in place. It says nothing beyond the
# company, the role and the times (no link, place, phone or address; the interviewer's name only
# when the person asked for it). Each copy is stamped with the time of its last change, and its
# alarms are those still ahead of that change, so that the same facts give the same bytes (the
# feed's ETag).

FEED_NAME = "Interviews (interview recovery tracker)"
FEED_REFRESH = "PT15M"


def feed_event(
    reschedule, *, incident, person_tz: str, stamp: datetime, interviewer: str = "",
    details_url: str = "", closed: bool = False,
) -> Event:
    """`closed`: the incident was closed with this interview still ahead and not attended: the
    event is off (cancelled, no alarms) though nobody called it off."""
    more = [f"Interviewer: {interviewer}"] if interviewer else []
    if details_url:
        more.append(f"Details (log in): {details_url}")
    event = _interview_event(
        reschedule, incident=incident, person_tz=person_tz, stamp=stamp,
        cancelled=reschedule.cancelled_at is not None or closed, more=more,
    )
    event.add("last-modified", _utc(stamp))
    event.add("class", "PRIVATE")
    return event


def feed_calendar(events, *, name: str = FEED_NAME) -> bytes:
    return _calendar(
        events,
        ("x-wr-calname", _text(name)),
        ("x-published-ttl", FEED_REFRESH),
        ("refresh-interval", vDuration(timedelta(minutes=15)), {"VALUE": "DURATION"}),
    )


# --- Issue 15: the alarm self-test ------------------------------------------------------------


def alarm_test_event(*, uid: str, start: datetime, alarm_before: timedelta, stamp: datetime
                     ) -> Event:
    """A throwaway event with one alarm, to check that the person's calendar really rings."""
    event = _event(
        uid=uid, sequence=0, summary="Alarm test (interview recovery tracker): delete me",
        description="A test of your alarms: this event's alarm should ring "
        f"{int(alarm_before.total_seconds() // 60)} minutes before it starts. Then tell the "
        "tracker whether it rang.",
        start=start, end=_utc(start) + timedelta(minutes=10), stamp=stamp,
        status="CONFIRMED", transp="TRANSPARENT",
        alarms=[_alarm(alarm_before, "Alarm test: did this ring? Tell the tracker.")],
    )
    event.add("class", "PRIVATE")
    return event


def single_event_ics(event: Event) -> bytes:
    return _calendar([event], ("method", PUBLISH))

"""Planning: which reminders should exist for one incident, given its facts and `now`.

Pure: plain dataclasses in, plain dataclasses out; no ORM and no clock. `reminders_sync` turns
the plan into rows; the dispatcher asks `stale_reason` again just before sending.

"24 hours before" is 86,400 seconds before the start (absolute); "09:00" is wall-clock time in
the person's zone on that local date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.zones import format_local

FIRST_HOUR = "first_hour"
FOLLOW_UP = "follow_up"
BEFORE_24H = "before_24h"
BEFORE_1H = "before_1h"
THANK_YOU = "thank_you"
THANK_YOU_LAST_CALL = "thank_you_last_call"
TEST = "test"

# The kinds, owned here: the model's choices and the profile's list derive from this table.
KIND_CHOICES = (
    (FIRST_HOUR, "First-hour nudge"),
    (FOLLOW_UP, "Follow-up nudge"),
    (BEFORE_24H, "24 hours before"),
    (BEFORE_1H, "1 hour before"),
    (THANK_YOU, "Thank-you nudge"),
    (THANK_YOU_LAST_CALL, "Thank-you last call"),
    (TEST, "Test reminder"),
)
LABELS = dict(KIND_CHOICES)
# The kinds a person can turn off in their profile (the test reminder is sent on request).
OPTIONAL_KINDS = (FIRST_HOUR, FOLLOW_UP, BEFORE_24H, BEFORE_1H, THANK_YOU, THANK_YOU_LAST_CALL)
# Kinds about the confirmed interview: planned for one version of its time.
INTERVIEW_KINDS = (BEFORE_24H, BEFORE_1H, THANK_YOU, THANK_YOU_LAST_CALL)


def turned_off_reason(kind: str) -> str:
    """Why a reminder of a kind the person turned off is not sent (one sentence everywhere)."""
    return f"You turned off the “{LABELS[kind]}” reminders in your profile."


FIRST_HOUR_DUE = timedelta(minutes=45)
FIRST_HOUR_EXPIRES = timedelta(hours=2)
FOLLOW_UP_BUSINESS_DAYS = 3
FOLLOW_UP_VALID = timedelta(hours=24)
BEFORE_24H_DUE = timedelta(hours=24)
BEFORE_24H_EXPIRES = timedelta(hours=2)  # before the start
BEFORE_1H_DUE = timedelta(hours=1)
THANK_YOU_DUE = timedelta(hours=1)  # after the end
THANK_YOU_VALID = timedelta(hours=48)
LAST_CALL_VALID = timedelta(hours=24)
MORNING = time(9, 0)


@dataclass(frozen=True)
class Request:
    """The open reschedule request, waiting for a reply."""

    reschedule_id: int
    requested_at: datetime
    replied: bool = False
    followed_up: bool = False


@dataclass(frozen=True)
class Interview:
    """The confirmed (not cancelled) rescheduled interview."""

    reschedule_id: int
    version: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Facts:
    incident_id: int
    is_open: bool
    person_tz: str
    discovered_at: datetime
    first_outreach_at: datetime | None = None
    request: Request | None = None
    interview: Interview | None = None
    thank_you_sent: bool = False
    reminders_off: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Key:
    """What identifies one planned reminder within an incident."""

    kind: str
    reschedule_id: int | None
    version: int


@dataclass(frozen=True)
class Planned:
    key: Key
    due_at: datetime
    expires_at: datetime
    # Set when the reminder, if created now, is to be stored as skipped (and why).
    skip_reason: str = ""

    @property
    def kind(self) -> str:
        return self.key.kind


def local_morning(day: date, zone: str) -> datetime:
    """09:00 wall-clock on `day` in `zone`, as an aware UTC instant. Should 09:00 fall in a
    gap, the instant is where the clocks jump over it (the first wall time after the gap)."""
    return datetime.combine(day, MORNING, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def nth_business_day_after(day: date, n: int) -> date:
    """The n-th Monday-to-Friday after `day` (not counting `day` itself)."""
    d = day
    while n:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def utc(instant: datetime) -> datetime:
    """In UTC. Arithmetic on a datetime carrying a ZoneInfo is wall-clock arithmetic (24 h
    before 10:00 the day after a DST change is 10:00, 23 or 25 hours earlier); in UTC it is
    absolute."""
    if instant.tzinfo is None:
        raise ValueError("planning needs aware datetimes")
    return instant.astimezone(UTC)


def _wanted(facts: Facts) -> list[Planned]:
    """Every reminder the facts call for, with due and expiry, ignoring `now` and preferences."""
    out: list[Planned] = []
    if not facts.is_open:
        return out
    if facts.first_outreach_at is None:
        discovered = utc(facts.discovered_at)
        out.append(
            Planned(
                Key(FIRST_HOUR, None, 0),
                discovered + FIRST_HOUR_DUE,
                discovered + FIRST_HOUR_EXPIRES,
            )
        )
    req = facts.request
    if req is not None and not req.replied and not req.followed_up:
        day = nth_business_day_after(
            local_date(req.requested_at, facts.person_tz), FOLLOW_UP_BUSINESS_DAYS
        )
        due = local_morning(day, facts.person_tz)
        out.append(Planned(Key(FOLLOW_UP, req.reschedule_id, 0), due, due + FOLLOW_UP_VALID))
    iv = facts.interview
    if iv is not None:
        rid, v = iv.reschedule_id, iv.version
        start, end = utc(iv.start), utc(iv.end)
        out.append(
            Planned(Key(BEFORE_24H, rid, v), start - BEFORE_24H_DUE, start - BEFORE_24H_EXPIRES)
        )
        out.append(Planned(Key(BEFORE_1H, rid, v), start - BEFORE_1H_DUE, start))
        if not facts.thank_you_sent:
            nudge = end + THANK_YOU_DUE
            out.append(Planned(Key(THANK_YOU, rid, v), nudge, nudge + THANK_YOU_VALID))
            last = local_morning(
                local_date(iv.end, facts.person_tz) + timedelta(days=1), facts.person_tz
            )
            out.append(Planned(Key(THANK_YOU_LAST_CALL, rid, v), last, last + LAST_CALL_VALID))
    return out


def plan(facts: Facts, now: datetime) -> list[Planned]:
    """The reminders that should exist. A kind the person turned off, or one already due
    when planned, carries the reason it is to be stored as skipped."""
    out = []
    for p in _wanted(facts):
        reason = ""
        if p.kind in facts.reminders_off:
            reason = turned_off_reason(p.kind)
        elif p.due_at <= utc(now):
            reason = (
                "It was already due when it was planned "
                f"({format_local(p.due_at, facts.person_tz)})."
            )
        out.append(Planned(p.key, p.due_at, p.expires_at, reason))
    return out


def stale_reason(key: Key, facts: Facts) -> str:
    """Why a reminder with this key is no longer wanted; "" while it still is. Preferences
    and `now` play no part here (see `plan`)."""
    if not facts.is_open:
        return "The incident is closed."
    kind = key.kind
    if kind == TEST:
        return ""
    if kind == FIRST_HOUR:
        return "You recorded your first outreach." if facts.first_outreach_at else ""
    if kind == FOLLOW_UP:
        req = facts.request
        if req is None or req.reschedule_id != key.reschedule_id:
            return "The request was answered or replaced by a newer one."
        if req.replied:
            return "They replied."
        if req.followed_up:
            return "You already followed up."
        return ""
    iv = facts.interview
    if iv is None:
        return "The interview was called off."
    if iv.reschedule_id != key.reschedule_id or iv.version != key.version:
        return "The interview moved to a new time; reminders follow the new time."
    if kind in (THANK_YOU, THANK_YOU_LAST_CALL) and facts.thank_you_sent:
        return "You sent the thank-you note."
    return ""

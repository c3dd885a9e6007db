"""Planning: which reminders should exist for one incident, given its facts and `now`.

Pure: plain dataclasses in, plain dataclasses out; no ORM and no clock. `reminders_sync` turns
the plan into rows; the dispatcher asks `stale_reason` again just before sending.

"24 hours before" is 86,400 seconds before the start (absolute); "09:00" is wall-clock time in
the person's zone on that local date.

Besides the scheduled reminders, every significant change of the confirmed interview (confirmed,
moved, details changed, called off) is a notice, due at the change and keyed by the interview's
calendar SEQUENCE, so that each change is one email carrying that copy of the invite. A reminder
planned after its due time but before its expiry is due at once (catch-up); after its expiry it
is skipped with the reason. Nudges that are not about an imminent interview wait for the end of
the person's quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.working_hours import next_working_time
from tracker.zones import format_local

FIRST_HOUR = "first_hour"
FOLLOW_UP = "follow_up"
BEFORE_24H = "before_24h"
BEFORE_1H = "before_1h"
THANK_YOU = "thank_you"
THANK_YOU_LAST_CALL = "thank_you_last_call"
TEST = "test"
INTERVIEW_CONFIRMED = "interview_confirmed"
INTERVIEW_MOVED = "interview_moved"
INTERVIEW_CHANGED = "interview_changed"
INTERVIEW_CALLED_OFF = "interview_called_off"
PARTNER_BEFORE_24H = "partner_before_24h"
# Issue 15: the short nudge when "I'm ready" was not clicked, and the partner's note.
ESCALATION = "escalation"
PARTNER_ESCALATION = "partner_escalation"

# The kinds, owned here: the model's choices and the profile's list derive from this table.
KIND_CHOICES = (
    (FIRST_HOUR, "First-hour nudge"),
    (FOLLOW_UP, "Follow-up nudge"),
    (BEFORE_24H, "24 hours before"),
    (BEFORE_1H, "1 hour before"),
    (THANK_YOU, "Thank-you nudge"),
    (THANK_YOU_LAST_CALL, "Thank-you last call"),
    (TEST, "Test reminder"),
    (INTERVIEW_CONFIRMED, "Interview confirmed"),
    (INTERVIEW_MOVED, "Interview moved"),
    (INTERVIEW_CHANGED, "Interview details changed"),
    (INTERVIEW_CALLED_OFF, "Interview called off"),
    (PARTNER_BEFORE_24H, "Partner's copy, the day before"),
    (ESCALATION, "Not ready yet: 30 minutes before"),
    (PARTNER_ESCALATION, "Partner's note when you are not ready"),
)
LABELS = dict(KIND_CHOICES)
# The kinds a person can turn off in their profile: all but the test reminder, sent on request.
OPTIONAL_KINDS = tuple(kind for kind, _ in KIND_CHOICES if kind != TEST)
# The kinds addressed to the accountability partner, not the person.
PARTNER_KINDS = (PARTNER_BEFORE_24H, PARTNER_ESCALATION)
# Issue 15: asked only when the person has not said "I'm ready" after the 1 h reminder; the
# click cancels them.
ESCALATION_KINDS = (ESCALATION, PARTNER_ESCALATION)
# Kinds about the confirmed interview: planned for one version of its time.
INTERVIEW_KINDS = (BEFORE_24H, BEFORE_1H, THANK_YOU, THANK_YOU_LAST_CALL, *ESCALATION_KINDS)
# The notices of a change to the confirmed interview, keyed by the interview's SEQUENCE (the
# row's `version` holds it): one per significant change, due at once.
CONFIRMED, MOVED, CHANGED, CALLED_OFF = "confirmed", "moved", "changed", "called_off"
NOTICE_FOR_CHANGE = {
    CONFIRMED: INTERVIEW_CONFIRMED,
    MOVED: INTERVIEW_MOVED,
    CHANGED: INTERVIEW_CHANGED,
    CALLED_OFF: INTERVIEW_CALLED_OFF,
}
NOTICE_KINDS = tuple(NOTICE_FOR_CHANGE.values())
# Nudges that are not about an imminent interview: held through the person's quiet hours.
QUIET_KINDS = (FOLLOW_UP, THANK_YOU, THANK_YOU_LAST_CALL)
QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
QUIET_HOURS = f"{QUIET_START:%H:%M}–{QUIET_END:%H:%M}"


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
# A notice is useful until the interview is over, and for at least this long after the change.
NOTICE_MIN_VALID = timedelta(hours=1)
# Issue 15: the escalation is due this long before the start, and never sooner than
# ESCALATION_GRACE after the 1 h reminder went out (a late 1 h reminder gets time to be read);
# it expires at the start. With less than ESCALATION_MIN_LEFT left, none is planned.
ESCALATION_DUE = timedelta(minutes=30)
ESCALATION_GRACE = timedelta(minutes=15)
ESCALATION_MIN_LEFT = timedelta(minutes=5)
READY_REASON = "You said you're ready."
# Issue 15: the follow-up nudge reaches the person this long before the send time it names.
FOLLOW_UP_LEAD = timedelta(minutes=30)


@dataclass(frozen=True)
class Request:
    """The open reschedule request, waiting for a reply."""

    reschedule_id: int
    requested_at: datetime
    replied: bool = False
    followed_up: bool = False
    # Issue 15: the zone of whoever the request went to; the follow-up is to be sent inside
    # their working hours ("" = the person's own zone's morning, as before).
    recipient_tz: str = ""


# Built by keyword only (incidents/situation.py): ids and instants side by side swap unseen.
@dataclass(frozen=True, kw_only=True)
class Interview:
    """The confirmed (not cancelled) rescheduled interview."""

    reschedule_id: int
    version: int
    start: datetime
    end: datetime
    # The interview's calendar SEQUENCE (one counter per incident, every significant change),
    # the last such change (CONFIRMED, MOVED or CHANGED) and when it was made; "" / None for an
    # interview confirmed before changes were recorded (no notice is planned for it).
    sequence: int = 0
    change: str = ""
    changed_at: datetime | None = None
    # Issue 15: the person clicked "I'm ready" / "I've re-confirmed" for this version's time.
    ready: bool = False
    reconfirmed: bool = False


@dataclass(frozen=True, kw_only=True)
class CalledOff:
    """The last confirmed interview that was called off (its reschedule is cancelled)."""

    reschedule_id: int
    sequence: int
    start: datetime
    end: datetime
    at: datetime


@dataclass(frozen=True, kw_only=True)
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
    called_off: CalledOff | None = None
    # Delivery preferences, added by reminders_sync: the partner has opted in and has not
    # stopped their copies; nudges are held through the night.
    partner: bool = False
    quiet_hours: bool = True
    # Issue 15, added by reminders_sync from the rows: when the 1 h reminder for the
    # interview's current version went out (None while it has not).
    before_1h_sent_at: datetime | None = None


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
    # What the person is told about its timing when it is not sent at its usual time (caught
    # up after being planned late, or held through quiet hours); stored as the row's reason.
    note: str = ""
    # When it would have been due (before catch-up and quiet hours).
    usual_due_at: datetime | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return self.key.kind


def local_morning(day: date, zone: str) -> datetime:
    """09:00 wall-clock on `day` in `zone`, as an aware UTC instant. Should 09:00 fall in a
    gap, the instant is where the clocks jump over it (the first wall time after the gap)."""
    return datetime.combine(day, MORNING, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def nth_business_day_after(day: date, n: int) -> date:
    """The n-th Monday-to-Friday after `day` (not counting `day` itself)."""
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def utc(instant: datetime) -> datetime:
    """In UTC. Arithmetic on a datetime carrying a ZoneInfo is wall-clock arithmetic (24 h
    before 10:00 the day after a DST change is 10:00, 23 or 25 hours earlier); in UTC it is
    absolute."""
    if instant.tzinfo is None:
        raise ValueError("planning needs aware datetimes")
    return instant.astimezone(UTC)


def after_quiet_hours(instant: datetime, zone: str) -> datetime:
    """`instant`, or 08:00 in `zone` after it when it falls in the quiet hours (21:00 to 08:00
    wall-clock). Should 08:00 fall in a gap, the first wall time after the gap."""
    tz = ZoneInfo(zone)
    local = utc(instant).astimezone(tz)
    if QUIET_END <= local.time() < QUIET_START:
        return utc(instant)
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_START else local.date()
    return datetime.combine(day, QUIET_END, tzinfo=tz).astimezone(UTC)


def _notice(kind: str, reschedule_id: int, sequence: int, changed_at: datetime,
            end: datetime) -> Planned:
    """Due at the change; useful until the interview is over, and at least NOTICE_MIN_VALID."""
    due = utc(changed_at)
    return Planned(Key(kind, reschedule_id, sequence), due, max(utc(end), due + NOTICE_MIN_VALID))


def _notices(facts: Facts) -> list[Planned]:
    """The notice of the interview's last significant change, and of the last call-off unless a
    newer time was agreed since."""
    out = []
    iv, off = facts.interview, facts.called_off
    if facts.is_open and iv is not None and iv.change in NOTICE_FOR_CHANGE and iv.changed_at:
        kind = NOTICE_FOR_CHANGE[iv.change]
        out.append(_notice(kind, iv.reschedule_id, iv.sequence, iv.changed_at, iv.end))
    if off is not None and (iv is None or iv.sequence < off.sequence):
        # Planned even once the incident is closed: the calendar must still lose the event.
        out.append(_notice(INTERVIEW_CALLED_OFF, off.reschedule_id, off.sequence, off.at, off.end))
    return out


def _wanted(facts: Facts) -> list[Planned]:
    """Every reminder the facts call for, with due and expiry, ignoring `now` and preferences."""
    out: list[Planned] = _notices(facts)
    if not facts.is_open:
        return out
    if facts.first_outreach_at is None:
        discovered = utc(facts.discovered_at)
        out.append(Planned(Key(FIRST_HOUR, None, 0), discovered + FIRST_HOUR_DUE,
                           discovered + FIRST_HOUR_EXPIRES))
    req = facts.request
    if req is not None and not req.replied and not req.followed_up:
        due = follow_up_nudge_at(req, facts.person_tz, quiet_hours=facts.quiet_hours)
        out.append(Planned(Key(FOLLOW_UP, req.reschedule_id, 0), due, due + FOLLOW_UP_VALID))
    iv = facts.interview
    if iv is not None:
        rid, v = iv.reschedule_id, iv.version
        start, end = utc(iv.start), utc(iv.end)
        day_before = (start - BEFORE_24H_DUE, start - BEFORE_24H_EXPIRES)
        out.append(Planned(Key(BEFORE_24H, rid, v), *day_before))
        out.append(Planned(Key(BEFORE_1H, rid, v), start - BEFORE_1H_DUE, start))
        if facts.partner:
            # The partner's own email, at the same instant as the person's 24 h reminder.
            out.append(Planned(Key(PARTNER_BEFORE_24H, rid, v), *day_before))
        if not facts.thank_you_sent:
            nudge = end + THANK_YOU_DUE
            out.append(Planned(Key(THANK_YOU, rid, v), nudge, nudge + THANK_YOU_VALID))
            last = local_morning(local_date(iv.end, facts.person_tz) + timedelta(days=1),
                                 facts.person_tz)
            out.append(Planned(Key(THANK_YOU_LAST_CALL, rid, v), last, last + LAST_CALL_VALID))
        out += _escalations(facts, iv)
    return out


def escalation_due(start: datetime, before_1h_sent_at: datetime) -> datetime | None:
    """When the "not ready yet" nudge is due: 30 minutes before the start, and at least
    ESCALATION_GRACE after the 1 h reminder went out; None when too little time is left."""
    start = utc(start)
    due = max(start - ESCALATION_DUE, utc(before_1h_sent_at) + ESCALATION_GRACE)
    return due if start - due >= ESCALATION_MIN_LEFT else None


def follow_up_earliest(req: Request, person_tz: str) -> datetime:
    """09:00 in the person's zone on the 3rd business day after the request."""
    day = nth_business_day_after(local_date(req.requested_at, person_tz), FOLLOW_UP_BUSINESS_DAYS)
    return local_morning(day, person_tz)


def _quiet(instant: datetime, zone: str) -> bool:
    return after_quiet_hours(instant, zone) != utc(instant)


def follow_up_send_at(
    req: Request, person_tz: str, *, quiet_hours: bool = True, after: datetime | None = None
) -> datetime | None:
    """Issue 15: when to send the follow-up: the first time inside the recipient's working
    hours (09:00-17:00 in their zone, Monday to Friday, not on their country's public holidays)
    from the 3rd business day after the request (or from `after`, if later), chosen so that the
    nudge FOLLOW_UP_LEAD before it is outside the person's quiet hours when a slot allows it.
    None without a recipient zone."""
    if not req.recipient_tz:
        return None
    start = follow_up_earliest(req, person_tz)
    if after is not None:
        start = max(start, utc(after))
    first = candidate = next_working_time(start, req.recipient_tz)
    for _ in range(40):  # about two working weeks of half days
        if not quiet_hours or not _quiet(candidate - FOLLOW_UP_LEAD, person_tz):
            return candidate
        woken = after_quiet_hours(candidate - FOLLOW_UP_LEAD, person_tz) + FOLLOW_UP_LEAD
        candidate = next_working_time(woken, req.recipient_tz)
    # Their working day is entirely inside the person's night: the first slot, scheduled.
    return first


def follow_up_nudge_at(req: Request, person_tz: str, *, quiet_hours: bool = True) -> datetime:
    """When the follow-up nudge is due: FOLLOW_UP_LEAD before its send time, or (no recipient
    zone) 09:00 in the person's zone on the 3rd business day. When the send time falls in the
    person's night with no better slot, the nudge goes the evening before."""
    send_at = follow_up_send_at(req, person_tz, quiet_hours=quiet_hours)
    if send_at is None:
        return follow_up_earliest(req, person_tz)
    due = send_at - FOLLOW_UP_LEAD
    if quiet_hours and _quiet(due, person_tz):
        local = due.astimezone(ZoneInfo(person_tz))
        day = local.date() if local.time() >= QUIET_START else local.date() - timedelta(days=1)
        evening = datetime.combine(day, QUIET_START, tzinfo=ZoneInfo(person_tz))
        due = evening.astimezone(UTC) - FOLLOW_UP_LEAD
    return due


def _escalations(facts: Facts, iv: Interview) -> list[Planned]:
    """Issue 15: only for a confirmed interview whose 1 h reminder was sent and which the person
    has not said they are ready for; the partner's note only if the partner opted in."""
    if iv.ready or facts.before_1h_sent_at is None:
        return []
    due = escalation_due(iv.start, facts.before_1h_sent_at)
    if due is None:
        return []
    kinds = ESCALATION_KINDS if facts.partner else (ESCALATION,)
    return [Planned(Key(kind, iv.reschedule_id, iv.version), due, utc(iv.start)) for kind in kinds]


def plan(facts: Facts, now: datetime) -> list[Planned]:
    """The reminders that should exist, each with when it is due.

    - A kind the person turned off carries the reason it is to be stored as skipped.
    - Catch-up: one planned after its due time but before its expiry is due now (its words are
      written when it is sent, with the time really left); one already past its expiry is to
      be stored as skipped, with the reason.
    - Quiet hours: a nudge in QUIET_KINDS due between 21:00 and 08:00 in the person's zone is
      due at 08:00 instead (the 24 h and 1 h reminders and the notices never move).
    """
    now = utc(now)
    out = []
    for p in _wanted(facts):
        due, reason, note = p.due_at, "", ""
        usual = format_local(p.due_at, facts.person_tz)
        if p.kind in facts.reminders_off:
            reason = turned_off_reason(p.kind)
        elif p.expires_at <= now:
            reason = (
                f"It was already due when it was planned ({usual}) and past the time it could "
                f"help ({format_local(p.expires_at, facts.person_tz)})."
            )
        else:
            if due < now:
                due = now
                if p.kind not in NOTICE_KINDS:
                    note = (f"Planned after its usual time ({usual}): sent at once, with the "
                            "time really left.")
            if facts.quiet_hours and p.kind in QUIET_KINDS:
                held = after_quiet_hours(due, facts.person_tz)
                if held >= p.expires_at:
                    reason = (f"It would only go out after your quiet hours ({QUIET_HOURS}), "
                              "too late to help.")
                    due = p.due_at
                elif held != due:
                    due = held
                    note = f"Held through your quiet hours ({QUIET_HOURS}); usually due {usual}."
        out.append(Planned(p.key, due, p.expires_at, reason, "" if reason else note, p.due_at))
    return out


def stale_reason(key: Key, facts: Facts) -> str:
    """Why a reminder with this key is no longer wanted; "" while it still is. Preferences
    and `now` play no part here (see `plan`)."""
    kind = key.kind
    if kind == INTERVIEW_CALLED_OFF:
        iv, off = facts.interview, facts.called_off
        if iv is not None and iv.sequence > key.version:
            return "A new time was agreed after the call-off; its confirmation goes instead."
        if off is None or (off.reschedule_id, off.sequence) != (key.reschedule_id, key.version):
            return "A newer change to the interview replaced it."
        return ""
    if not facts.is_open:
        return "The incident is closed."
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
    if kind in NOTICE_KINDS:
        if (iv.reschedule_id, iv.sequence) != (key.reschedule_id, key.version):
            return ("A newer change to the interview replaced it; the newest copy goes "
                    "instead.")
        return ""
    if iv.reschedule_id != key.reschedule_id or iv.version != key.version:
        return "The interview moved to a new time; reminders follow the new time."
    if kind in (THANK_YOU, THANK_YOU_LAST_CALL) and facts.thank_you_sent:
        return "You sent the thank-you note."
    if kind in ESCALATION_KINDS and iv.ready:
        return READY_REASON
    return ""

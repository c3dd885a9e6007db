"""Issue 15: the send time the follow-up nudge (and the follow-up draft) names, inside the
recipient's working hours, in both zones: "Send it Tuesday 10 Mar 09:30 CET (14:00 IST for
you)". Worked out when it is shown (`now`), from the same rule that planned the nudge
(`planning.follow_up_send_at`), never earlier than a few minutes ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.working_hours import country_of_zone, format_send_time

from . import planning

# The named time is at least this far ahead of the moment it is shown.
AHEAD = timedelta(minutes=5)


@dataclass(frozen=True)
class SendTime:
    at: datetime
    text: str  # "Tuesday 10 Mar 09:30 CET (14:00 IST for you)"
    zone: str
    country: str


def send_time(situation, *, now: datetime) -> SendTime | None:
    """For an open request still waiting for its reply and not followed up; None otherwise."""
    req = situation.plan.request
    if not situation.is_open or req is None or req.replied or req.followed_up:
        return None
    if not req.recipient_tz:
        return None
    quiet = getattr(getattr(situation.incident.owner, "profile", None), "quiet_hours", True)
    at = planning.follow_up_send_at(req, situation.person_tz, quiet_hours=quiet, after=now + AHEAD)
    if at is None:
        return None
    return SendTime(
        at=at,
        text=format_send_time(at, req.recipient_tz, situation.person_tz),
        zone=req.recipient_tz,
        country=country_of_zone(req.recipient_tz),
    )

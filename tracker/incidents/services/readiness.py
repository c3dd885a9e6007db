"""Issue 15: the person says "I'm ready" or "I've re-confirmed with them" for the confirmed
interview's current time (from the signed link in the 1 h or 24 h reminder). Recorded on the
reschedule for that version (a move makes it stale), with a timeline event; a re-confirmation
ticks the "Re-confirm 24 h before" safeguard; "I'm ready" cancels the escalation rows (through
`reminders_sync`). Idempotent: a second click changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import Incident, Safeguard
from ..phases import TransitionRefused
from ..selectors import situation_for
from .common import event, lock, service, sync

READY, RECONFIRMED = "ready", "reconfirmed"
MESSAGES = {
    READY: "Said they are ready for the interview (from the 1-hour reminder)",
    RECONFIRMED: "Re-confirmed the interview with them (from the 24-hour reminder)",
}


@dataclass(frozen=True)
class Recorded:
    what: str
    at: datetime
    already: bool  # recorded before this click


@service
def interview_readiness_record(
    *,
    incident: Incident,
    reschedule_id: int,
    version: int,
    what: str,
    now: datetime,
    actor=None,
) -> Recorded:
    """Record `what` (READY or RECONFIRMED) for the interview's time `version`. Refused when
    that time is no longer the confirmed one (moved, called off, the incident closed)."""
    if what not in MESSAGES:
        raise ValueError(f"unknown readiness {what!r}")
    lock(incident)
    situation = situation_for(incident)
    interview = situation.interview
    if not situation.is_open:
        raise TransitionRefused("This incident is closed; nothing was recorded.")
    if interview is None or interview.pk != reschedule_id:
        raise TransitionRefused(
            "This interview was called off or replaced since that email; nothing was recorded."
        )
    if interview.version != version:
        raise TransitionRefused(
            "The interview moved to a new time since that email; use the link in the newest "
            "reminder."
        )
    at_field, version_field = f"{what}_at", f"{what}_version"
    if getattr(interview, version_field) == version and getattr(interview, at_field):
        return Recorded(what=what, at=getattr(interview, at_field), already=True)
    setattr(interview, at_field, now)
    setattr(interview, version_field, version)
    interview.save(update_fields=[at_field, version_field])
    event(incident, at=now, kind=what, message=MESSAGES[what], actor=actor)
    if what == RECONFIRMED:
        Safeguard.objects.filter(
            incident=incident, kind=Safeguard.Kind.CONFIRM_DAY_BEFORE, done_at__isnull=True
        ).update(done_at=now)
    sync(incident, now)
    return Recorded(what=what, at=now, already=False)

"""The new time: the request with its proposed slots, their reply, the confirmed interview (a move
bumps its version), the call-off and the attended interview.

The calendar bookkeeping lives here too: an incident's interview has one calendar identity (one
UID) whatever reschedule holds it, and every significant change (confirmed, moved, details
changed, called off) takes the next number of the incident's calendar SEQUENCE, stored on the
reschedule with what changed and when. `reminders_sync` plans one notice email per change from
those facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError

from tracker.zones import format_local

from .. import phases
from ..models import Contact, Incident, ProposedSlot, Reschedule
from ..phases import TransitionRefused
from ..selectors import situation_for
from .common import (
    apply,
    check_owner,
    check_zone,
    clean,
    event,
    lock,
    record_and_sync,
    service,
    sync,
    utc,
)
from .consolidate import safeguards_reopen_for_new_time

# What a calendar shows of the interview, besides its start: a change to any of these is a
# "details changed" notice (the end follows the duration).
_DETAILS = ("duration_minutes", "location", "format", "interviewer_id", "time_zone")


def _calendar_change(incident: Incident, reschedule: Reschedule, change: str, now: datetime
                     ) -> None:
    """Give `reschedule` the incident's next calendar SEQUENCE for `change` (saved by the
    caller with the reschedule; the incident is saved here). The incident is locked."""
    incident.calendar_sequence += 1
    incident.save(update_fields=["calendar_sequence", "updated_at"])
    reschedule.sequence = incident.calendar_sequence
    reschedule.last_change = change
    reschedule.last_change_at = now


@service
def reschedule_request(
    *,
    incident: Incident,
    slots: Sequence[tuple[datetime, str]],
    actor=None,
    now: datetime,
) -> Reschedule:
    """Record a request for a new time with two or three proposed slots (instant, zone). It
    replaces an earlier unconfirmed request."""
    slots = sorted((utc(start, "slot"), tz) for start, tz in slots)
    for _, tz in slots:
        check_zone(tz, "slots")
    lock(incident)
    situation = situation_for(incident)
    phases.on_reschedule_request(
        situation.facts, slot_starts=[s for s, _ in slots], now=now
    )
    previous = situation.current
    if previous is not None:
        # Unanswered, declined or unheard: replaced. `phases` refused if it was confirmed.
        previous.cancelled_at = now
        previous.save(update_fields=["cancelled_at"])
    reschedule = Reschedule.objects.create(incident=incident, requested_at=now)
    ProposedSlot.objects.bulk_create(
        ProposedSlot(reschedule=reschedule, start=start, time_zone=tz, position=i)
        for i, (start, tz) in enumerate(slots)
    )
    record_and_sync(
        incident, now, kind="reschedule", actor=actor,
        message="Proposed " + "; ".join(format_local(s, tz) for s, tz in slots),
    )
    return reschedule


@service
def reschedule_reply(
    *,
    reschedule: Reschedule,
    reply: str,
    accepted_slot: ProposedSlot | None = None,
    actor=None,
    now: datetime,
) -> Reschedule:
    """Their reply: accepted (with the slot), declined (closes the incident) or no response
    (closes it, only after one follow-up)."""
    incident = reschedule.incident
    lock(incident)
    reschedule.refresh_from_db()
    if reschedule.cancelled_at is not None:
        raise TransitionRefused("That request was replaced by a newer one.")
    transition = phases.on_reply(situation_for(incident).facts, reply=reply)
    if reply == Reschedule.Reply.ACCEPTED:
        if accepted_slot is None or accepted_slot.reschedule_id != reschedule.pk:
            raise TransitionRefused("Say which of the proposed slots they accepted.")
        reschedule.accepted_slot = accepted_slot
    reschedule.reply = reply
    reschedule.replied_at = now
    reschedule.save(update_fields=["reply", "replied_at", "accepted_slot"])
    message = f"Reply: {reschedule.get_reply_display().lower()}"
    if reply == Reschedule.Reply.ACCEPTED:
        message += f" ({format_local(accepted_slot.start, accepted_slot.time_zone)})"
    event(incident, at=now, kind="reply", message=message, actor=actor)
    apply(incident, transition, now=now, actor=actor)
    sync(incident, now)
    return reschedule


@service
def reschedule_confirm(
    *,
    incident: Incident,
    start: datetime,
    time_zone: str,
    duration_minutes: int,
    format: str,
    location: str = "",
    interviewer: Contact | None = None,
    actor=None,
    now: datetime,
) -> Reschedule:
    """Confirm (or move) the rescheduled interview. A changed start bumps the version, which
    makes the reminders planned for the old time stale; the same start keeps it."""
    start = utc(start, "start")
    check_zone(time_zone, "time_zone")
    lock(incident)
    check_owner(incident, interviewer)
    situation = situation_for(incident)
    phases.on_confirm(situation.facts, start=start, now=now)
    if duration_minutes is None or duration_minutes < 1:
        raise TransitionRefused("The interview needs a duration.")
    if format not in Incident.Format.values:
        raise ValidationError({"format": "Choose phone, video or on site."})
    reschedule = situation.current
    if reschedule is not None and reschedule.reply in (
        Reschedule.Reply.DECLINED,
        Reschedule.Reply.NO_RESPONSE,
    ):
        # Reopened after a decline or silence and agreed after all: a fresh reschedule.
        reschedule.cancelled_at = now
        reschedule.save(update_fields=["cancelled_at"])
        reschedule = None
    if reschedule is None:
        # Agreed directly (on the phone, say) without a written request.
        reschedule = Reschedule(
            incident=incident, requested_at=now, reply=Reschedule.Reply.ACCEPTED, replied_at=now
        )
    elif reschedule.reply == Reschedule.Reply.PENDING:
        reschedule.reply = Reschedule.Reply.ACCEPTED
        reschedule.replied_at = now
    was_confirmed = reschedule.confirmed_at is not None
    moved = was_confirmed and reschedule.start != start
    old_start, old_zone = reschedule.start, reschedule.time_zone
    before = {f: getattr(reschedule, f) for f in _DETAILS}
    if not was_confirmed or moved:
        reschedule.version += 1
    reschedule.confirmed_at = reschedule.confirmed_at or now
    reschedule.start = start
    reschedule.time_zone = time_zone
    reschedule.duration_minutes = duration_minutes
    reschedule.format = format
    reschedule.location = location
    reschedule.interviewer = interviewer
    clean(reschedule)
    if not was_confirmed:
        _calendar_change(incident, reschedule, Reschedule.Change.CONFIRMED, now)
    elif moved:
        reschedule.previous_start = old_start
        _calendar_change(incident, reschedule, Reschedule.Change.MOVED, now)
    elif any(getattr(reschedule, f) != v for f, v in before.items()):
        _calendar_change(incident, reschedule, Reschedule.Change.CHANGED, now)
    reschedule.save()
    if moved:
        message = (f"Moved the interview from {format_local(old_start, old_zone)} to "
                   f"{format_local(start, time_zone)}")
    elif was_confirmed:
        message = f"Updated the details of the interview of {format_local(start, time_zone)}"
    else:
        message = f"Confirmed the interview for {format_local(start, time_zone)}"
    event(incident, at=now, kind="confirm", message=message, actor=actor)
    earlier = any(r.confirmed_at for r in situation.reschedules if r.pk != reschedule.pk)
    if moved or (not was_confirmed and earlier):
        safeguards_reopen_for_new_time(incident, now=now, actor=actor)
    sync(incident, now)
    return reschedule


@service
def reschedule_cancel(*, reschedule: Reschedule, actor=None, now: datetime) -> Reschedule:
    """The request or confirmed interview is off (withdrawn, called off, to be rearranged);
    its reminders go. Cancelling twice changes nothing."""
    incident = reschedule.incident
    lock(incident)
    reschedule.refresh_from_db()
    if reschedule.cancelled_at is not None:
        return reschedule
    phases.on_cancel(situation_for(incident).facts)
    if reschedule.attended_at is not None:
        raise TransitionRefused("That interview already took place.")
    reschedule.cancelled_at = now
    fields = ["cancelled_at"]
    if reschedule.confirmed_at is not None:
        # The calendar loses the event: a cancellation that outranks every copy sent before.
        _calendar_change(incident, reschedule, Reschedule.Change.CALLED_OFF, now)
        fields += ["sequence", "last_change", "last_change_at"]
    reschedule.save(update_fields=fields)
    what = "rescheduled interview" if reschedule.confirmed_at else "reschedule request"
    record_and_sync(incident, now, kind="cancel", message=f"Called off the {what}", actor=actor)
    return reschedule


@service
def interview_attended(*, incident: Incident, actor=None, now: datetime) -> Reschedule:
    """The rescheduled interview took place: consolidate."""
    lock(incident)
    situation = situation_for(incident)
    transition = phases.on_attended(situation.facts, now=now)
    reschedule = situation.current
    reschedule.attended_at = now
    reschedule.save(update_fields=["attended_at"])
    incident.attended_at = now
    event(incident, at=now, kind="attended", message="Attended the rescheduled interview",
           actor=actor)
    apply(incident, transition, now=now, actor=actor, update_fields=["attended_at"])
    sync(incident, now)
    return reschedule

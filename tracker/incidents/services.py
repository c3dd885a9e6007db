"""Every write to the incident domain. Views, forms, admin and tasks call these; each one
asks `phases` whether the step is allowed, writes, adds a TimelineEvent and calls
`reminders_sync` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tracker.reminders.services import reminders_sync

from . import phases
from .models import (
    Contact,
    Incident,
    Outreach,
    PromisedMaterial,
    ProposedSlot,
    Reschedule,
    Safeguard,
    TimelineEvent,
)
from .phases import TransitionRefused
from .zones import format_local

__all__ = ["TransitionRefused"]

MIN_SLOTS, MAX_SLOTS = 2, 3


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _event(incident: Incident, *, at: datetime, kind: str, message: str, actor=None) -> None:
    TimelineEvent.objects.create(
        incident=incident, at=at, kind=kind, message=message[:500], actor=actor
    )


def current_reschedule(incident: Incident) -> Reschedule | None:
    """The reschedule in play: the newest one that is not cancelled."""
    return (
        incident.reschedules.filter(cancelled_at__isnull=True)
        .order_by("-requested_at", "-pk")
        .first()
    )


def incident_facts(incident: Incident) -> phases.Facts:
    r = current_reschedule(incident)
    return phases.Facts(
        phase=incident.phase,
        outcome=incident.outcome,
        apology_recorded=incident.first_outreach_at is not None,
        reschedule_requested=r is not None and r.slots.exists(),
        reply=r.reply if r else "",
        followed_up=bool(r and r.followed_up_at),
        confirmed=bool(r and r.is_confirmed),
        confirmed_start=r.start if r and r.is_confirmed else None,
        attended=incident.attended_at is not None,
        thank_you_sent=incident.thank_you_sent_at is not None,
        materials_open=incident.materials.filter(status=PromisedMaterial.Status.PENDING).count(),
        lessons_recorded=bool(incident.lessons.strip()),
    )


def _apply(incident: Incident, transition: phases.Transition, *, now: datetime, actor) -> None:
    if not transition.changes(incident_facts(incident)):
        return
    old = incident.get_phase_display()
    incident.phase = transition.phase
    incident.outcome = transition.outcome
    incident.closed_at = now if transition.phase == phases.CLOSED else None
    incident.save(update_fields=["phase", "outcome", "closed_at", "updated_at"])
    if transition.phase == phases.CLOSED:
        message = f"Closed: {incident.get_outcome_display()}"
    else:
        message = f"Phase: {old} → {incident.get_phase_display()}"
    _event(incident, at=now, kind="phase", message=message, actor=actor)


@transaction.atomic
def incident_log(
    *,
    owner,
    company: str,
    role: str,
    interview_at: datetime,
    interview_tz: str,
    candidate_tz: str,
    format: str,
    cause: str,
    discovered_at: datetime | None = None,
    notes: str = "",
    contact_name: str = "",
    contact_role: str = Contact.Role.INTERVIEWER,
    contact_email: str = "",
    contact_phone: str = "",
    now: datetime | None = None,
) -> Incident:
    now = _now(now)
    incident = Incident.objects.create(
        owner=owner,
        company=company,
        role=role,
        interview_at=interview_at,
        interview_tz=interview_tz,
        candidate_tz=candidate_tz,
        format=format,
        cause=cause,
        discovered_at=discovered_at or now,
        notes=notes,
    )
    if contact_name:
        contact = Contact.objects.create(
            owner=owner,
            name=contact_name,
            role=contact_role,
            email=contact_email,
            phone=contact_phone,
            time_zone=interview_tz,
        )
        incident.contacts.add(contact)
    Safeguard.objects.bulk_create(
        Safeguard(incident=incident, kind=kind, position=i)
        for i, kind in enumerate(phases.safeguards_for(cause=cause, format=format))
    )
    _event(
        incident,
        at=now,
        kind="logged",
        message=f"Logged the missed interview of {format_local(interview_at, interview_tz)}",
        actor=owner,
    )
    reminders_sync(incident=incident, now=now)
    return incident


@transaction.atomic
def incident_update(
    *, incident: Incident, actor=None, now: datetime | None = None, **fields
) -> Incident:
    """Edit the incident's descriptive facts (company, role, zones, cause, notes, ...)."""
    now = _now(now)
    allowed = {
        "company", "role", "interview_at", "interview_tz", "candidate_tz", "format", "cause",
        "notes", "thank_you_topic",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"incident_update cannot change {sorted(unknown)}")
    changed = [f for f, v in fields.items() if getattr(incident, f) != v]
    if not changed:
        return incident
    for f in changed:
        setattr(incident, f, fields[f])
    incident.full_clean()
    incident.save(update_fields=[*changed, "updated_at"])
    _event(incident, at=now, kind="edited", message=f"Edited: {', '.join(changed)}", actor=actor)
    reminders_sync(incident=incident, now=now)
    return incident


@transaction.atomic
def contact_save(
    *, owner, contact: Contact | None = None, incident: Incident | None = None,
    now: datetime | None = None, **fields,
) -> Contact:
    """Create a contact (linked to `incident` if given) or update `contact`."""
    now = _now(now)
    if contact is None:
        contact = Contact(owner=owner)
        created = True
    else:
        created = False
    for f, v in fields.items():
        setattr(contact, f, v)
    contact.full_clean()
    contact.save()
    if incident is not None:
        incident.contacts.add(contact)
        verb = "Added" if created else "Updated"
        _event(incident, at=now, kind="contact", message=f"{verb} contact {contact}", actor=owner)
    return contact


@transaction.atomic
def outreach_record(
    *,
    incident: Incident,
    channel: str,
    result: str,
    purpose: str = Outreach.Purpose.APOLOGY,
    contact: Contact | None = None,
    subject: str = "",
    text: str = "",
    occurred_at: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> Outreach:
    now = _now(now)
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise TransitionRefused("An outreach cannot be recorded in the future.")
    if occurred_at < incident.discovered_at - timedelta(minutes=5):
        raise TransitionRefused("That is before the miss was discovered.")
    facts = incident_facts(incident)
    if purpose == Outreach.Purpose.THANK_YOU:
        phases.on_thank_you(facts)
    transition = phases.on_outreach(facts, channel=channel, purpose=purpose)
    outreach = Outreach.objects.create(
        incident=incident,
        contact=contact,
        channel=channel,
        purpose=purpose,
        result=result,
        subject=subject,
        text=text,
        occurred_at=occurred_at,
    )
    update = []
    if incident.first_outreach_at is None and channel in phases.APOLOGY_CHANNELS:
        incident.first_outreach_at = occurred_at
        update.append("first_outreach_at")
    if purpose == Outreach.Purpose.THANK_YOU and incident.thank_you_sent_at is None:
        incident.thank_you_sent_at = occurred_at
        update.append("thank_you_sent_at")
    if update:
        incident.save(update_fields=[*update, "updated_at"])
    if purpose == Outreach.Purpose.FOLLOW_UP:
        r = current_reschedule(incident)
        if r is not None and r.followed_up_at is None and r.reply == Reschedule.Reply.PENDING:
            r.followed_up_at = occurred_at
            r.save(update_fields=["followed_up_at"])
    who = f" to {contact.name}" if contact else ""
    _event(
        incident,
        at=now,
        kind="outreach",
        message=f"{outreach.get_purpose_display()}: {outreach.get_channel_display()}{who}, "
        f"{outreach.get_result_display().lower()}",
        actor=actor,
    )
    _apply(incident, transition, now=now, actor=actor)
    reminders_sync(incident=incident, now=now)
    return outreach


def thank_you_sent(
    *, incident: Incident, channel: str = Outreach.Channel.EMAIL, text: str = "",
    contact: Contact | None = None, actor=None, now: datetime | None = None,
) -> Outreach:
    return outreach_record(
        incident=incident,
        channel=channel,
        result=Outreach.Result.SENT,
        purpose=Outreach.Purpose.THANK_YOU,
        contact=contact,
        text=text,
        actor=actor,
        now=now,
    )


@transaction.atomic
def reschedule_request(
    *,
    incident: Incident,
    slots: Sequence[tuple[datetime, str]],
    actor=None,
    now: datetime | None = None,
) -> Reschedule:
    """Record a request for a new time with two or three proposed slots (instant, zone)."""
    now = _now(now)
    phases.on_reschedule_request(incident_facts(incident))
    if not MIN_SLOTS <= len(slots) <= MAX_SLOTS:
        raise TransitionRefused("Propose two or three slots.")
    if any(start <= now for start, _ in slots):
        raise TransitionRefused("Every proposed slot must be in the future.")
    if len({start for start, _ in slots}) != len(slots):
        raise TransitionRefused("Two proposed slots are the same time.")
    previous = current_reschedule(incident)
    if previous is not None and not previous.is_confirmed:
        # A new request replaces an unanswered one; a confirmed interview stays until moved.
        previous.cancelled_at = now
        previous.save(update_fields=["cancelled_at"])
    reschedule = Reschedule.objects.create(incident=incident, requested_at=now)
    ProposedSlot.objects.bulk_create(
        ProposedSlot(reschedule=reschedule, start=start, time_zone=tz, position=i)
        for i, (start, tz) in enumerate(sorted(slots))
    )
    _event(
        incident,
        at=now,
        kind="reschedule",
        message="Proposed " + "; ".join(format_local(s, tz) for s, tz in sorted(slots)),
        actor=actor,
    )
    reminders_sync(incident=incident, now=now)
    return reschedule


@transaction.atomic
def reschedule_reply(
    *,
    reschedule: Reschedule,
    reply: str,
    accepted_slot: ProposedSlot | None = None,
    actor=None,
    now: datetime | None = None,
) -> Reschedule:
    now = _now(now)
    incident = reschedule.incident
    if reschedule.cancelled_at is not None:
        raise TransitionRefused("That request was replaced by a newer one.")
    if reschedule.reply != Reschedule.Reply.PENDING:
        raise TransitionRefused("A reply to that request is already recorded.")
    transition = phases.on_reply(incident_facts(incident), reply=reply)
    if reply == Reschedule.Reply.ACCEPTED:
        if accepted_slot is None or accepted_slot.reschedule_id != reschedule.pk:
            raise TransitionRefused("Say which of the proposed slots they accepted.")
        reschedule.accepted_slot = accepted_slot
    reschedule.reply = reply
    reschedule.replied_at = now
    reschedule.save(update_fields=["reply", "replied_at", "accepted_slot"])
    message = f"Reply: {reschedule.get_reply_display().lower()}"
    if accepted_slot is not None and reply == Reschedule.Reply.ACCEPTED:
        message += f" ({format_local(accepted_slot.start, accepted_slot.time_zone)})"
    _event(incident, at=now, kind="reply", message=message, actor=actor)
    _apply(incident, transition, now=now, actor=actor)
    reminders_sync(incident=incident, now=now)
    return reschedule


@transaction.atomic
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
    now: datetime | None = None,
) -> Reschedule:
    """Confirm (or move) the rescheduled interview. A changed time bumps the version, which
    makes the reminders planned for the old time stale."""
    now = _now(now)
    phases.on_confirm(incident_facts(incident), start=start, now=now)
    if duration_minutes < 1:
        raise TransitionRefused("The interview needs a duration.")
    reschedule = current_reschedule(incident)
    if reschedule is None:
        # Agreed directly (on the phone, say) without a written request.
        reschedule = Reschedule(incident=incident, requested_at=now, reply="accepted",
                                replied_at=now)
    elif reschedule.reply in (Reschedule.Reply.PENDING, ""):
        reschedule.reply = Reschedule.Reply.ACCEPTED
        reschedule.replied_at = now
    moved = reschedule.is_confirmed and reschedule.start != start
    old_start = reschedule.start if moved else None
    if not reschedule.is_confirmed or reschedule.start != start:
        reschedule.version += 1
    reschedule.confirmed_at = reschedule.confirmed_at or now
    reschedule.start = start
    reschedule.time_zone = time_zone
    reschedule.duration_minutes = duration_minutes
    reschedule.format = format
    reschedule.location = location
    reschedule.interviewer = interviewer
    reschedule.save()
    if moved:
        message = (f"Moved the interview from {format_local(old_start, time_zone)} to "
                   f"{format_local(start, time_zone)}")
    else:
        message = f"Confirmed the interview for {format_local(start, time_zone)}"
    _event(incident, at=now, kind="confirm", message=message, actor=actor)
    reminders_sync(incident=incident, now=now)
    return reschedule


@transaction.atomic
def reschedule_cancel(
    *, reschedule: Reschedule, actor=None, now: datetime | None = None
) -> Reschedule:
    """The confirmed interview is off (called off or to be rearranged); its reminders go."""
    now = _now(now)
    incident = reschedule.incident
    phases.require_open(incident_facts(incident), "cancel the interview")
    if reschedule.cancelled_at is not None:
        return reschedule
    if reschedule.attended_at is not None:
        raise TransitionRefused("That interview already took place.")
    reschedule.cancelled_at = now
    reschedule.save(update_fields=["cancelled_at"])
    _event(incident, at=now, kind="cancel", message="Called off the rescheduled interview",
           actor=actor)
    reminders_sync(incident=incident, now=now)
    return reschedule


@transaction.atomic
def interview_attended(
    *, incident: Incident, actor=None, now: datetime | None = None
) -> Reschedule:
    now = _now(now)
    transition = phases.on_attended(incident_facts(incident), now=now)
    reschedule = current_reschedule(incident)
    reschedule.attended_at = now
    reschedule.save(update_fields=["attended_at"])
    incident.attended_at = now
    incident.save(update_fields=["attended_at", "updated_at"])
    _event(incident, at=now, kind="attended", message="Attended the rescheduled interview",
           actor=actor)
    _apply(incident, transition, now=now, actor=actor)
    reminders_sync(incident=incident, now=now)
    return reschedule


@transaction.atomic
def safeguard_set(
    *, safeguard: Safeguard, done: bool, actor=None, now: datetime | None = None
) -> Safeguard:
    now = _now(now)
    if done == (safeguard.done_at is not None):
        return safeguard
    safeguard.done_at = now if done else None
    safeguard.save(update_fields=["done_at"])
    verb = "Done" if done else "Undone"
    _event(safeguard.incident, at=now, kind="safeguard",
           message=f"{verb}: {safeguard.get_kind_display()}", actor=actor)
    return safeguard


@transaction.atomic
def material_add(
    *, incident: Incident, description: str, due_on: date | None = None, actor=None,
    now: datetime | None = None,
) -> PromisedMaterial:
    now = _now(now)
    phases.require_open(incident_facts(incident), "add promised materials")
    material = PromisedMaterial(incident=incident, description=description, due_on=due_on)
    material.full_clean()
    material.save()
    due = f", due {due_on:%d %b %Y}" if due_on else ""
    _event(incident, at=now, kind="material", message=f"Promised: {description}{due}",
           actor=actor)
    return material


@transaction.atomic
def material_resolve(
    *, material: PromisedMaterial, status: str, actor=None, now: datetime | None = None
) -> PromisedMaterial:
    now = _now(now)
    if status not in (PromisedMaterial.Status.DELIVERED, PromisedMaterial.Status.DROPPED):
        raise TransitionRefused("Mark it delivered or dropped.")
    material.status = status
    material.resolved_at = now
    material.save(update_fields=["status", "resolved_at"])
    _event(material.incident, at=now, kind="material",
           message=f"{material.get_status_display()}: {material.description}", actor=actor)
    return material


@transaction.atomic
def incident_lessons_record(
    *, incident: Incident, lessons: str, actor=None, now: datetime | None = None
) -> Incident:
    now = _now(now)
    incident.lessons = lessons
    incident.full_clean()
    incident.save(update_fields=["lessons", "updated_at"])
    _event(incident, at=now, kind="lessons", message="Recorded the lessons", actor=actor)
    return incident


@transaction.atomic
def incident_close(
    *, incident: Incident, outcome: str, actor=None, now: datetime | None = None
) -> Incident:
    now = _now(now)
    transition = phases.on_close(incident_facts(incident), outcome=outcome)
    _apply(incident, transition, now=now, actor=actor)
    reminders_sync(incident=incident, now=now)
    return incident


@transaction.atomic
def incident_reopen(*, incident: Incident, actor=None, now: datetime | None = None) -> Incident:
    now = _now(now)
    transition = phases.on_reopen(incident_facts(incident))
    incident.phase = transition.phase
    incident.outcome = ""
    incident.closed_at = None
    incident.save(update_fields=["phase", "outcome", "closed_at", "updated_at"])
    _event(incident, at=now, kind="phase",
           message=f"Reopened in {incident.get_phase_display()}", actor=actor)
    reminders_sync(incident=incident, now=now)
    return incident

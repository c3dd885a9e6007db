"""Every write to the incident domain. Views, forms, admin and tasks call these; each one
locks the incident, asks `phases` whether the step is allowed, writes, adds a TimelineEvent and
calls `reminders_sync` in the same transaction.

Refusals by the rules raise `TransitionRefused` (its message is for the person); a bad value (an
unknown zone, text over its limit, a naive datetime) raises `ValidationError` or `ValueError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
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
from .phases import MAX_SLOTS, MIN_SLOTS, TransitionRefused
from .selectors import current_reschedule, incident_facts
from tracker.zones import format_local, is_zone

__all__ = [
    "MAX_SLOTS",
    "MIN_SLOTS",
    "TransitionRefused",
    "current_reschedule",
    "incident_facts",
]

# Outreach may be logged a little ahead of the server clock (a phone's clock, a slow form).
CLOCK_SLACK = timedelta(minutes=5)


def _now(now: datetime | None) -> datetime:
    return _utc(now, "now") if now is not None else timezone.now()


def _utc(value: datetime, what: str = "time") -> datetime:
    """An aware instant in UTC. Normalising matters: two aware datetimes in the same zone
    compare by wall time and ignore `fold`, so the two 02:30s of a fall-back night would be
    equal."""
    if timezone.is_naive(value):
        raise ValueError(f"{what} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _lock(incident: Incident) -> None:
    """Lock the incident's row until the transaction ends and reload it in place.

    Every write that reads facts and then writes takes this lock first, so two concurrent
    writes (two confirms, a reply racing a follow-up) run one after the other on fresh data and
    never both bump a version from the same base. On SQLite `select_for_update` does nothing,
    but the settings begin every transaction IMMEDIATE, which serialises writers the same way.
    """
    incident.refresh_from_db(from_queryset=Incident.objects.select_for_update())


def _clean(obj) -> None:
    """Field validation (choices, lengths, zones); the database enforces the constraints."""
    obj.full_clean(validate_unique=False, validate_constraints=False)


def _check_owner(incident: Incident, contact: Contact | None) -> None:
    # Views fetch contacts through the owner-scoped selector; this is the last line of defence.
    if contact is not None and contact.owner_id != incident.owner_id:
        raise PermissionDenied("That contact belongs to someone else.")


def _event(incident: Incident, *, at: datetime, kind: str, message: str, actor=None) -> None:
    TimelineEvent.objects.create(
        incident=incident, at=at, kind=kind, message=message[:500], actor=actor
    )


def _apply(
    incident: Incident,
    transition: phases.Transition,
    *,
    now: datetime,
    actor,
    update_fields: Sequence[str] = (),
) -> None:
    """Save `update_fields` and the phase `transition` together (the phase constraints check
    them as one row), and log the phase change."""
    fields = list(update_fields)
    changed = (transition.phase, transition.outcome) != (incident.phase, incident.outcome)
    old = incident.get_phase_display()
    if changed:
        incident.phase = transition.phase
        incident.outcome = transition.outcome
        incident.closed_at = now if transition.phase == phases.CLOSED else None
        fields += ["phase", "outcome", "closed_at"]
    if fields:
        incident.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    if changed:
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
    """Log a missed interview: the incident in contain, its safeguards seeded by cause, the
    optional interviewer or recruiter, and the first timeline event."""
    now = _now(now)
    discovered_at = _utc(discovered_at, "discovered_at") if discovered_at else now
    if discovered_at > now + CLOCK_SLACK:
        raise TransitionRefused("The miss cannot be discovered in the future.")
    incident = Incident(
        owner=owner,
        company=company,
        role=role,
        interview_at=_utc(interview_at, "interview_at"),
        interview_tz=interview_tz,
        candidate_tz=candidate_tz,
        format=format,
        cause=cause,
        discovered_at=discovered_at,
        notes=notes,
    )
    _clean(incident)
    incident.save()
    if contact_name:
        contact = Contact(
            owner=owner,
            name=contact_name,
            role=contact_role,
            email=contact_email,
            phone=contact_phone,
            time_zone=interview_tz,
        )
        _clean(contact)
        contact.save()
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


_UPDATABLE = frozenset(
    {"company", "role", "interview_at", "interview_tz", "candidate_tz", "format", "cause",
     "notes", "thank_you_topic"}
)


@transaction.atomic
def incident_update(
    *, incident: Incident, actor=None, now: datetime | None = None, **fields
) -> Incident:
    """Edit the incident's descriptive facts (company, role, zones, cause, notes, ...)."""
    now = _now(now)
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise ValueError(f"incident_update cannot change {sorted(unknown)}")
    if "interview_at" in fields:
        fields["interview_at"] = _utc(fields["interview_at"], "interview_at")
    _lock(incident)
    phases.require_open(incident_facts(incident), "edit its details")
    changed = [f for f, v in fields.items() if getattr(incident, f) != v]
    if not changed:
        return incident
    for f in changed:
        setattr(incident, f, fields[f])
    _clean(incident)
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
        if contact.owner_id != owner.pk:
            raise PermissionDenied("That contact belongs to someone else.")
        created = False
    for f, v in fields.items():
        setattr(contact, f, v)
    _clean(contact)
    contact.save()
    if incident is not None:
        _lock(incident)
        _check_owner(incident, contact)
        incident.contacts.add(contact)
        verb = "Added" if created else "Updated"
        _event(incident, at=now, kind="contact", message=f"{verb} contact {contact}", actor=owner)
        reminders_sync(incident=incident, now=now)
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
    """Record one call, voicemail, email or message. The first apology by call, voicemail or
    email moves contain to correct; a follow-up marks the unanswered request followed up; a
    thank-you note marks the thank-you sent."""
    now = _now(now)
    occurred_at = _utc(occurred_at, "occurred_at") if occurred_at else now
    _lock(incident)
    _check_owner(incident, contact)
    if occurred_at > now + CLOCK_SLACK:
        raise TransitionRefused("An outreach cannot be recorded in the future.")
    if occurred_at < incident.discovered_at - CLOCK_SLACK:
        raise TransitionRefused("That is before the miss was discovered.")
    transition = phases.on_outreach(incident_facts(incident), channel=channel, purpose=purpose)
    outreach = Outreach(
        incident=incident,
        contact=contact,
        channel=channel,
        purpose=purpose,
        result=result,
        subject=subject,
        text=text,
        occurred_at=occurred_at,
    )
    _clean(outreach)
    outreach.save()
    update = []
    # The earliest apology counts, even when an earlier call is logged after a later email.
    if channel in phases.APOLOGY_CHANNELS and (
        incident.first_outreach_at is None or occurred_at < incident.first_outreach_at
    ):
        incident.first_outreach_at = occurred_at
        update.append("first_outreach_at")
    if purpose == Outreach.Purpose.THANK_YOU and (
        incident.thank_you_sent_at is None or occurred_at < incident.thank_you_sent_at
    ):
        incident.thank_you_sent_at = occurred_at
        update.append("thank_you_sent_at")
    if purpose == Outreach.Purpose.FOLLOW_UP:
        r = current_reschedule(incident)
        if (
            r is not None
            and r.followed_up_at is None
            and r.reply == Reschedule.Reply.PENDING
            and occurred_at >= r.requested_at  # a message sent before the request is no nudge
        ):
            r.followed_up_at = occurred_at
            r.save(update_fields=["followed_up_at"])
    who = f" to {contact.name}" if contact else ""
    _event(
        incident,
        at=occurred_at,
        kind="outreach",
        message=f"{outreach.get_purpose_display()}: {outreach.get_channel_display()}{who}, "
        f"{outreach.get_result_display().lower()}",
        actor=actor,
    )
    _apply(incident, transition, now=now, actor=actor, update_fields=update)
    reminders_sync(incident=incident, now=now)
    return outreach


def thank_you_sent(
    *, incident: Incident, channel: str = Outreach.Channel.EMAIL, text: str = "",
    contact: Contact | None = None, actor=None, now: datetime | None = None,
) -> Outreach:
    """The thank-you note after the rescheduled interview (consolidate only)."""
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


def _check_zone(name: str, field: str) -> None:
    if not is_zone(name):
        raise ValidationError({field: f"“{name}” is not a known IANA time zone."})


@transaction.atomic
def reschedule_request(
    *,
    incident: Incident,
    slots: Sequence[tuple[datetime, str]],
    actor=None,
    now: datetime | None = None,
) -> Reschedule:
    """Record a request for a new time with two or three proposed slots (instant, zone). It
    replaces an earlier unconfirmed request."""
    now = _now(now)
    slots = sorted((_utc(start, "slot"), tz) for start, tz in slots)
    for _, tz in slots:
        _check_zone(tz, "slots")
    _lock(incident)
    phases.on_reschedule_request(
        incident_facts(incident), slot_starts=[s for s, _ in slots], now=now
    )
    previous = current_reschedule(incident)
    if previous is not None:
        # Unanswered, declined or unheard: replaced. `phases` refused if it was confirmed.
        previous.cancelled_at = now
        previous.save(update_fields=["cancelled_at"])
    reschedule = Reschedule.objects.create(incident=incident, requested_at=now)
    ProposedSlot.objects.bulk_create(
        ProposedSlot(reschedule=reschedule, start=start, time_zone=tz, position=i)
        for i, (start, tz) in enumerate(slots)
    )
    _event(
        incident,
        at=now,
        kind="reschedule",
        message="Proposed " + "; ".join(format_local(s, tz) for s, tz in slots),
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
    """Their reply: accepted (with the slot), declined (closes the incident) or no response
    (closes it, only after one follow-up)."""
    now = _now(now)
    incident = reschedule.incident
    _lock(incident)
    reschedule.refresh_from_db()
    if reschedule.cancelled_at is not None:
        raise TransitionRefused("That request was replaced by a newer one.")
    transition = phases.on_reply(incident_facts(incident), reply=reply)
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
    """Confirm (or move) the rescheduled interview. A changed start bumps the version, which
    makes the reminders planned for the old time stale; the same start keeps it."""
    now = _now(now)
    start = _utc(start, "start")
    _check_zone(time_zone, "time_zone")
    _lock(incident)
    _check_owner(incident, interviewer)
    phases.on_confirm(incident_facts(incident), start=start, now=now)
    if duration_minutes is None or duration_minutes < 1:
        raise TransitionRefused("The interview needs a duration.")
    if format not in Incident.Format.values:
        raise ValidationError({"format": "Choose phone, video or on site."})
    reschedule = current_reschedule(incident)
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
    if not was_confirmed or moved:
        reschedule.version += 1
    reschedule.confirmed_at = reschedule.confirmed_at or now
    reschedule.start = start
    reschedule.time_zone = time_zone
    reschedule.duration_minutes = duration_minutes
    reschedule.format = format
    reschedule.location = location
    reschedule.interviewer = interviewer
    _clean(reschedule)
    reschedule.save()
    if moved:
        message = (f"Moved the interview from {format_local(old_start, old_zone)} to "
                   f"{format_local(start, time_zone)}")
    elif was_confirmed:
        message = f"Updated the details of the interview of {format_local(start, time_zone)}"
    else:
        message = f"Confirmed the interview for {format_local(start, time_zone)}"
    _event(incident, at=now, kind="confirm", message=message, actor=actor)
    reminders_sync(incident=incident, now=now)
    return reschedule


@transaction.atomic
def reschedule_cancel(
    *, reschedule: Reschedule, actor=None, now: datetime | None = None
) -> Reschedule:
    """The request or confirmed interview is off (withdrawn, called off, to be rearranged);
    its reminders go. Cancelling twice changes nothing."""
    now = _now(now)
    incident = reschedule.incident
    _lock(incident)
    reschedule.refresh_from_db()
    if reschedule.cancelled_at is not None:
        return reschedule
    phases.on_cancel(incident_facts(incident))
    if reschedule.attended_at is not None:
        raise TransitionRefused("That interview already took place.")
    reschedule.cancelled_at = now
    reschedule.save(update_fields=["cancelled_at"])
    what = "rescheduled interview" if reschedule.confirmed_at else "reschedule request"
    _event(incident, at=now, kind="cancel", message=f"Called off the {what}", actor=actor)
    reminders_sync(incident=incident, now=now)
    return reschedule


@transaction.atomic
def interview_attended(
    *, incident: Incident, actor=None, now: datetime | None = None
) -> Reschedule:
    """The rescheduled interview took place: consolidate."""
    now = _now(now)
    _lock(incident)
    transition = phases.on_attended(incident_facts(incident), now=now)
    reschedule = current_reschedule(incident)
    reschedule.attended_at = now
    reschedule.save(update_fields=["attended_at"])
    incident.attended_at = now
    _event(incident, at=now, kind="attended", message="Attended the rescheduled interview",
           actor=actor)
    _apply(incident, transition, now=now, actor=actor, update_fields=["attended_at"])
    reminders_sync(incident=incident, now=now)
    return reschedule


@transaction.atomic
def safeguard_set(
    *, safeguard: Safeguard, done: bool, actor=None, now: datetime | None = None
) -> Safeguard:
    """Tick or untick one safeguard."""
    now = _now(now)
    incident = safeguard.incident
    _lock(incident)
    safeguard.refresh_from_db()
    if done == (safeguard.done_at is not None):
        return safeguard
    safeguard.done_at = now if done else None
    safeguard.save(update_fields=["done_at"])
    verb = "Done" if done else "Undone"
    _event(incident, at=now, kind="safeguard",
           message=f"{verb}: {safeguard.get_kind_display()}", actor=actor)
    reminders_sync(incident=incident, now=now)
    return safeguard


@transaction.atomic
def material_add(
    *, incident: Incident, description: str, due_on: date | None = None, actor=None,
    now: datetime | None = None,
) -> PromisedMaterial:
    """Something promised to the company (a portfolio link, references, a work sample)."""
    now = _now(now)
    _lock(incident)
    phases.require_open(incident_facts(incident), "add promised materials")
    material = PromisedMaterial(incident=incident, description=description, due_on=due_on)
    _clean(material)
    material.save()
    due = f", due {due_on:%d %b %Y}" if due_on else ""
    _event(incident, at=now, kind="material", message=f"Promised: {description}{due}",
           actor=actor)
    reminders_sync(incident=incident, now=now)
    return material


@transaction.atomic
def material_resolve(
    *, material: PromisedMaterial, status: str, actor=None, now: datetime | None = None
) -> PromisedMaterial:
    """Mark a promised item delivered or dropped."""
    now = _now(now)
    if status not in (PromisedMaterial.Status.DELIVERED, PromisedMaterial.Status.DROPPED):
        raise TransitionRefused("Mark it delivered or dropped.")
    incident = material.incident
    _lock(incident)
    material.refresh_from_db()
    phases.require_open(incident_facts(incident), "change promised materials")
    if material.status == status:
        return material
    material.status = status
    material.resolved_at = now
    material.save(update_fields=["status", "resolved_at"])
    _event(incident, at=now, kind="material",
           message=f"{material.get_status_display()}: {material.description}", actor=actor)
    reminders_sync(incident=incident, now=now)
    return material


@transaction.atomic
def incident_lessons_record(
    *, incident: Incident, lessons: str, actor=None, now: datetime | None = None
) -> Incident:
    """What happened, why, and what is in place now (allowed after closing too)."""
    now = _now(now)
    _lock(incident)
    incident.lessons = lessons
    _clean(incident)
    incident.save(update_fields=["lessons", "updated_at"])
    _event(incident, at=now, kind="lessons", message="Recorded the lessons", actor=actor)
    reminders_sync(incident=incident, now=now)
    return incident


@transaction.atomic
def incident_close(
    *, incident: Incident, outcome: str, actor=None, now: datetime | None = None
) -> Incident:
    """Close with an outcome; `phases.close_blockers` says what is still missing."""
    now = _now(now)
    _lock(incident)
    transition = phases.on_close(incident_facts(incident), outcome=outcome)
    if outcome in (Incident.Outcome.DECLINED, Incident.Outcome.NO_RESPONSE):
        # Closing as declined or unanswered is that reply to the open request.
        r = current_reschedule(incident)
        if r is not None and r.reply == Reschedule.Reply.PENDING:
            r.reply, r.replied_at = outcome, now
            r.save(update_fields=["reply", "replied_at"])
    _apply(incident, transition, now=now, actor=actor)
    reminders_sync(incident=incident, now=now)
    return incident


@transaction.atomic
def incident_reopen(*, incident: Incident, actor=None, now: datetime | None = None) -> Incident:
    """Reopen a closed incident in the phase its facts put it in; the record stays."""
    now = _now(now)
    _lock(incident)
    transition = phases.on_reopen(incident_facts(incident))
    incident.phase = transition.phase
    incident.outcome = ""
    incident.closed_at = None
    incident.save(update_fields=["phase", "outcome", "closed_at", "updated_at"])
    _event(incident, at=now, kind="phase",
           message=f"Reopened in {incident.get_phase_display()}", actor=actor)
    reminders_sync(incident=incident, now=now)
    return incident

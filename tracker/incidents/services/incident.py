"""The incident's own facts: logging the miss, editing its details, its contacts, the lessons,
closing and reopening.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tracker.zones import format_local

from .. import phases
from ..models import Contact, Incident, Reschedule, Safeguard
from ..phases import TransitionRefused
from ..selectors import situation_for
from .common import CLOCK_SLACK, apply, check_owner, clean, event, lock, now_utc, sync, utc


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
    now: datetime,
) -> Incident:
    """Log a missed interview: the incident in contain, its safeguards seeded by cause, the
    optional interviewer or recruiter, and the first timeline event."""
    now = now_utc(now)
    discovered_at = utc(discovered_at, "discovered_at") if discovered_at else now
    if discovered_at > now + CLOCK_SLACK:
        raise TransitionRefused("The miss cannot be discovered in the future.")
    incident = Incident(
        owner=owner,
        company=company,
        role=role,
        interview_at=utc(interview_at, "interview_at"),
        interview_tz=interview_tz,
        candidate_tz=candidate_tz,
        format=format,
        cause=cause,
        discovered_at=discovered_at,
        notes=notes,
    )
    clean(incident)
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
        clean(contact)
        contact.save()
        incident.contacts.add(contact)
    Safeguard.objects.bulk_create(
        Safeguard(incident=incident, kind=kind, position=i)
        for i, kind in enumerate(phases.safeguards_for(cause=cause, format=format))
    )
    event(
        incident,
        at=now,
        kind="logged",
        message=f"Logged the missed interview of {format_local(interview_at, interview_tz)}",
        actor=owner,
    )
    sync(incident, now)
    return incident


_UPDATABLE = frozenset(
    {"company", "role", "interview_at", "interview_tz", "candidate_tz", "format", "cause",
     "notes", "thank_you_topic"}
)


@transaction.atomic
def incident_update(
    *, incident: Incident, actor=None, now: datetime, **fields
) -> Incident:
    """Edit the incident's descriptive facts (company, role, zones, cause, notes, ...)."""
    now = now_utc(now)
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise ValueError(f"incident_update cannot change {sorted(unknown)}")
    if "interview_at" in fields:
        fields["interview_at"] = utc(fields["interview_at"], "interview_at")
    lock(incident)
    phases.require_open(situation_for(incident).facts, "edit its details")
    changed = [f for f, v in fields.items() if getattr(incident, f) != v]
    if not changed:
        return incident
    for f in changed:
        setattr(incident, f, fields[f])
    clean(incident)
    incident.save(update_fields=[*changed, "updated_at"])
    event(incident, at=now, kind="edited", message=f"Edited: {', '.join(changed)}", actor=actor)
    sync(incident, now)
    return incident


@transaction.atomic
def contact_save(
    *, owner, contact: Contact | None = None, incident: Incident | None = None,
    now: datetime, **fields,
) -> Contact:
    """Create a contact (linked to `incident` if given) or update `contact`."""
    now = now_utc(now)
    if contact is None:
        contact = Contact(owner=owner)
        created = True
    else:
        if contact.owner_id != owner.pk:
            raise PermissionDenied("That contact belongs to someone else.")
        created = False
    for f, v in fields.items():
        setattr(contact, f, v)
    clean(contact)
    contact.save()
    if incident is not None:
        lock(incident)
        check_owner(incident, contact)
        incident.contacts.add(contact)
        verb = "Added" if created else "Updated"
        event(incident, at=now, kind="contact", message=f"{verb} contact {contact}", actor=owner)
        sync(incident, now)
    return contact



@transaction.atomic
def incident_lessons_record(
    *, incident: Incident, lessons: str, actor=None, now: datetime
) -> Incident:
    """What happened, why, and what is in place now (allowed after closing too)."""
    now = now_utc(now)
    lock(incident)
    incident.lessons = lessons
    clean(incident)
    incident.save(update_fields=["lessons", "updated_at"])
    event(incident, at=now, kind="lessons", message="Recorded the lessons", actor=actor)
    sync(incident, now)
    return incident


@transaction.atomic
def incident_close(
    *, incident: Incident, outcome: str, actor=None, now: datetime
) -> Incident:
    """Close with an outcome; `phases.close_blockers` says what is still missing."""
    now = now_utc(now)
    lock(incident)
    situation = situation_for(incident)
    transition = phases.on_close(situation.facts, outcome=outcome)
    if outcome in (Incident.Outcome.DECLINED, Incident.Outcome.NO_RESPONSE):
        # Closing as declined or unanswered is that reply to the open request.
        r = situation.current
        if r is not None and r.reply == Reschedule.Reply.PENDING:
            r.reply, r.replied_at = outcome, now
            r.save(update_fields=["reply", "replied_at"])
    apply(incident, transition, now=now, actor=actor)
    sync(incident, now)
    return incident


@transaction.atomic
def incident_reopen(*, incident: Incident, actor=None, now: datetime) -> Incident:
    """Reopen a closed incident in the phase its facts put it in; the record stays."""
    now = now_utc(now)
    lock(incident)
    transition = phases.on_reopen(situation_for(incident).facts)
    incident.phase = transition.phase
    incident.outcome = ""
    incident.closed_at = None
    incident.save(update_fields=["phase", "outcome", "closed_at", "updated_at"])
    event(incident, at=now, kind="phase",
           message=f"Reopened in {incident.get_phase_display()}", actor=actor)
    sync(incident, now)
    return incident

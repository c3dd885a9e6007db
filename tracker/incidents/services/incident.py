"""The incident's own facts: logging the miss, editing its details, its contacts, the lessons,
closing and reopening.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied

from tracker.zones import format_local

from .. import phases
from ..models import Contact, Incident, Reschedule, Safeguard
from ..phases import TransitionRefused
from ..selectors import situation_for
from .common import (
    CLOCK_SLACK,
    apply,
    check_owner,
    clean,
    create,
    lock,
    record_and_sync,
    service,
    sync,
    utc,
)


@service
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
    discovered_at = utc(discovered_at, "discovered_at") if discovered_at else now
    if discovered_at > now + CLOCK_SLACK:
        raise TransitionRefused("The miss cannot be discovered in the future.")
    incident = create(Incident(
        owner=owner, company=company, role=role, format=format, cause=cause, notes=notes,
        interview_at=utc(interview_at, "interview_at"), interview_tz=interview_tz,
        candidate_tz=candidate_tz, discovered_at=discovered_at,
    ))
    if contact_name:
        contact = create(Contact(
            owner=owner, name=contact_name, role=contact_role, email=contact_email,
            phone=contact_phone, time_zone=interview_tz,
        ))
        incident.contacts.add(contact)
    Safeguard.objects.bulk_create(
        Safeguard(incident=incident, kind=kind, position=i)
        for i, kind in enumerate(phases.safeguards_for(cause=cause, format=format))
    )
    record_and_sync(
        incident, now, kind="logged", actor=owner,
        message=f"Logged the missed interview of {format_local(interview_at, interview_tz)}",
    )
    return incident


_UPDATABLE = frozenset(
    {"company", "role", "interview_at", "interview_tz", "candidate_tz", "format", "cause",
     "notes", "thank_you_topic"}
)


@service
def incident_update(*, incident: Incident, actor=None, now: datetime, **fields) -> Incident:
    """Edit the incident's descriptive facts (company, role, zones, cause, notes, ...)."""
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
    record_and_sync(incident, now, kind="edited", message=f"Edited: {', '.join(changed)}",
                    actor=actor)
    return incident


@service
def contact_save(
    *, owner, contact: Contact | None = None, incident: Incident | None = None,
    now: datetime, **fields,
) -> Contact:
    """Create a contact (linked to `incident` if given) or update `contact`."""
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
        record_and_sync(incident, now, kind="contact", message=f"{verb} contact {contact}",
                        actor=owner)
    return contact


@service
def incident_lessons_record(
    *, incident: Incident, lessons: str, actor=None, now: datetime
) -> Incident:
    """What happened, why, and what is in place now (allowed after closing too)."""
    lock(incident)
    incident.lessons = lessons
    clean(incident)
    incident.save(update_fields=["lessons", "updated_at"])
    record_and_sync(incident, now, kind="lessons", message="Recorded the lessons", actor=actor)
    return incident


@service
def incident_close(*, incident: Incident, outcome: str, actor=None, now: datetime) -> Incident:
    """Close with an outcome; `phases.close_blockers` says what is still missing."""
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


@service
def incident_reopen(*, incident: Incident, actor=None, now: datetime) -> Incident:
    """Reopen a closed incident in the phase its facts put it in; the record stays."""
    lock(incident)
    transition = phases.on_reopen(situation_for(incident).facts)
    incident.phase = transition.phase
    incident.outcome = ""
    incident.closed_at = None
    incident.save(update_fields=["phase", "outcome", "closed_at", "updated_at"])
    record_and_sync(incident, now, kind="phase",
                    message=f"Reopened in {incident.get_phase_display()}", actor=actor)
    return incident

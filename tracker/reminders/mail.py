"""From a Reminder row and its incident's situation to the plain value the email renderer
(`tracker.messaging.emails`) writes: the reminder engine knows the email, not the reverse."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from tracker.incidents.selectors import situation_for
from tracker.incidents.situation import Situation
from tracker.messaging import calendar, emails

from . import planning
from .models import Reminder

# The kinds that carry the interview as an .ics, and the one the partner is copied on.
ICS_KINDS = (planning.BEFORE_24H, planning.BEFORE_1H, planning.TEST)
PARTNER_KINDS = (planning.BEFORE_24H,)
THANK_YOU_KINDS = (planning.THANK_YOU, planning.THANK_YOU_LAST_CALL)


def interview_text(situation: Situation) -> emails.Interview | None:
    r = situation.interview
    if r is None:
        return None
    interviewer = r.interviewer
    return emails.interview_text(
        start=r.start,
        end=r.end,
        duration_minutes=r.duration_minutes,
        person_tz=situation.person_tz,
        their_tz=situation.interviewer_tz,
        format=r.format,
        format_label=r.get_format_display() if r.format else "",
        location=r.location,
        interviewer=interviewer.name if interviewer else "",
        interviewer_role=interviewer.get_role_display() if interviewer else "",
        version=r.version,
    )


def reminder_mail(row: Reminder, situation: Situation) -> emails.ReminderMail:
    """What the email for `row` says. The row has passed the dispatcher's re-check against
    this situation, so an interview kind's reschedule and version are the current ones."""
    incident = situation.incident
    owner = incident.owner
    profile = owner.profile
    kind = row.kind
    interview = situation.interview
    current = situation.current
    requested_at = None
    if kind == planning.FOLLOW_UP and current is not None and current.pk == row.reschedule_id:
        requested_at = current.requested_at
    return emails.ReminderMail(
        kind=kind,
        reminder_id=row.pk,
        version=row.version,
        message_id=row.message_id,
        due_at=row.due_at,
        to=owner.email,
        person_name=profile.display_name,
        person_tz=situation.person_tz,
        incident_id=incident.pk,
        company=incident.company,
        role=incident.role,
        interview=interview_text(situation),
        requested_at=requested_at,
        thank_you_topic=incident.thank_you_topic
        if kind in THANK_YOU_KINDS and interview is not None else "",
        partner_email=profile.partner_email if kind in PARTNER_KINDS else "",
        ics=calendar.interview_ics(interview, incident=incident, person_tz=situation.person_tz)
        if kind in ICS_KINDS and interview is not None else None,
    )


def message_for(row: Reminder) -> EmailMultiAlternatives:
    """The email for one row, its incident's situation read fresh (tests, the admin)."""
    return emails.reminder_message(reminder_mail(row, situation_for(row.incident)))

"""From a Reminder row and its incident's situation to the plain value the email renderer
(`tracker.messaging.emails`) writes: the reminder engine knows the email, not the reverse.

The email is written at `now`, the moment it is sent: its relative words and the copy of the
invite it carries (DTSTAMP, the alarms still ahead) are true then."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tracker.accounts.selectors import partner_address
from tracker.incidents.selectors import situation_for
from tracker.incidents.situation import Situation
from tracker.messaging import calendar, emails
from tracker.zones import in_zones

from . import followup, planning, readiness
from .models import Reminder, thread_id_for
from .unsubscribe import unsubscribe_url

# The kinds that carry the interview as an .ics: the notices, as an invite (REQUEST, or CANCEL
# for a call-off) a mail client acts on. Only they do, so every copy that leaves outranks the one
# before it (a reminder repeating the current SEQUENCE would not); the reminders link to the
# calendar file instead.
INVITE_KINDS = (
    planning.INTERVIEW_CONFIRMED, planning.INTERVIEW_MOVED, planning.INTERVIEW_CHANGED,
)
LINK_KINDS = (planning.BEFORE_24H, planning.BEFORE_1H, planning.TEST)
THANK_YOU_KINDS = (planning.THANK_YOU, planning.THANK_YOU_LAST_CALL)


def interview_text(situation: Situation, reschedule=None) -> emails.Interview | None:
    r = reschedule if reschedule is not None else situation.interview
    if r is None:
        return None
    interviewer = r.interviewer
    return emails.interview_text(
        start=r.start,
        end=r.end,
        duration_minutes=r.duration_minutes,
        person_tz=situation.person_tz,
        their_tz=situation.interviewer_tz if r is situation.interview
        else (r.time_zone or situation.incident.interview_tz),
        format=r.format,
        format_label=r.get_format_display() if r.format else "",
        location=r.location,
        interviewer=interviewer.name if interviewer else "",
        interviewer_role=interviewer.get_role_display() if interviewer else "",
        interviewer_phone=interviewer.phone if interviewer else "",
        version=r.version,
    )


def _organizer() -> tuple[str, str]:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name or "Interview recovery tracker", address


def calendar_copy(situation: Situation, *, now: datetime, method: str | None = None
                  ) -> tuple[bytes, str] | None:
    """This copy of the incident's one calendar event, made at `now`, and its method: the
    confirmed interview (REQUEST for an invite, PUBLISH for a file to import), or the last one
    called off (CANCEL, STATUS:CANCELLED); None when there is neither."""
    r = situation.calendar_entry
    if r is None:
        return None
    incident = situation.incident
    if r.cancelled_at is not None:
        method = calendar.CANCEL
    method = method or calendar.PUBLISH
    owner = incident.owner
    person = owner.profile.display_name if hasattr(owner, "profile") else owner.get_username()
    ics = calendar.interview_ics(
        r, incident=incident, person_tz=situation.person_tz, now=now, method=method,
        organizer=_organizer(), attendee=(person, owner.email) if owner.email else None,
    )
    return ics, method


def _reschedule(situation: Situation, pk: int | None):
    return next((r for r in situation.reschedules if r.pk == pk), None)


def reminder_mail(row: Reminder, situation: Situation, *, now: datetime | None = None
                  ) -> emails.ReminderMail:
    """What the email for `row` says, written at `now` (the send time). The row has passed
    the dispatcher's re-check against this situation, so an interview kind's reschedule and
    version are the current ones."""
    now = now or timezone.now()
    incident = situation.incident
    owner = incident.owner
    profile = owner.profile
    kind = row.kind
    current = situation.current
    interview = situation.interview
    shown = interview
    to, recipient = owner.email, profile.display_name
    previous: tuple[str, ...] = ()
    requested_at, proposed = None, ()
    send_at_text = ""
    cal = None
    if kind == planning.FOLLOW_UP and current is not None and current.pk == row.reschedule_id:
        requested_at = current.requested_at
        proposed = tuple(
            tuple(str(z) for z in in_zones(s.start, situation.person_tz, s.time_zone))
            for s in situation.slots
        )
        # Issue 15: when to send it, inside the recipient's working hours.
        when = followup.send_time(situation, now=now)
        send_at_text = when.text if when is not None else ""
    if kind == planning.INTERVIEW_CALLED_OFF:
        shown = _reschedule(situation, row.reschedule_id)
    if kind == planning.INTERVIEW_MOVED and shown is not None and shown.previous_start:
        previous = tuple(
            str(z) for z in in_zones(shown.previous_start, situation.person_tz,
                                     shown.time_zone or situation.interviewer_tz)
        )
    if kind in INVITE_KINDS or kind == planning.INTERVIEW_CALLED_OFF:
        copy = calendar_copy(situation, now=now, method=calendar.REQUEST)
        if copy is not None:
            cal = emails.CalendarPart(*copy)
    unsubscribe = ""
    ready_url = reconfirm_url = ""
    if interview is not None and shown is interview:
        # Issue 15: the signed links, for this version of the time.
        if kind in (planning.BEFORE_1H, planning.ESCALATION):
            ready_url = readiness.link(readiness.READY, interview, incident_id=incident.pk)
        elif kind == planning.BEFORE_24H:
            reconfirm_url = readiness.link(readiness.RECONFIRMED, interview,
                                           incident_id=incident.pk)
    if kind in planning.PARTNER_KINDS:
        # The partner's own email: to their accepted address, with their own stop link.
        to, recipient = partner_address(profile), ""
        unsubscribe = _partner_stop_url(profile)
    elif kind in planning.OPTIONAL_KINDS:
        unsubscribe = unsubscribe_url(user_id=owner.pk, kind=kind)
    return emails.ReminderMail(
        kind=kind,
        reminder_id=row.pk,
        version=row.version,
        message_id=row.message_id,
        due_at=row.due_at,
        now=now,
        to=to,
        recipient_name=recipient,
        person_name=profile.display_name,
        person_tz=situation.person_tz,
        incident_id=incident.pk,
        company=incident.company,
        role=incident.role,
        interview=interview_text(situation, shown),
        previous_times=previous,
        requested_at=requested_at,
        proposed=proposed,
        thank_you_topic=incident.thank_you_topic
        if kind in THANK_YOU_KINDS and interview is not None else "",
        calendar=cal,
        kind_label=planning.LABELS.get(kind, kind),
        unsubscribe_url=unsubscribe,
        thread_id=thread_id_for(incident.pk),
        ics_url=emails.absolute(reverse("incident_ics", args=[incident.pk]))
        if cal is not None or (kind in LINK_KINDS and interview is not None) else "",
        ready_url=ready_url,
        reconfirm_url=reconfirm_url,
        send_at_text=send_at_text,
    )


def _partner_stop_url(profile) -> str:
    """The partner's one-click stop: their consent's own link (issue 12's accounts.partner)."""
    try:
        from tracker.accounts import partner

        return partner.link(profile, "stop")
    except (ImportError, NoReverseMatch):  # issue 12's consent flow not landed yet
        return ""


def message_for(row: Reminder, *, now: datetime | None = None) -> emails.ReminderEmail:
    """The email for one row, its incident's situation read fresh (tests, the admin)."""
    return emails.reminder_message(reminder_mail(row, situation_for(row.incident), now=now))

"""One email renderer: `templates/emails/<kind>-subject.txt`, `-body.txt` and `-body.html`, and a
thin function per use. Reminder emails carry a Message-ID derived from the reminder, so a
duplicate after a crash in the SMTP reply gap is recognisable, and the 24 h and 1 h reminders
attach the interview as an .ics with alarms.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from tracker.zones import format_local, in_zones

from . import calendar

ICS_KINDS = ("before_24h", "before_1h", "test")
PARTNER_KINDS = ("before_24h",)


class NoRecipient(Exception):
    """The person has no email address: nothing can be sent (a permanent failure)."""


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _url(name: str, *args) -> str:
    try:
        return absolute(reverse(name, args=args))
    except NoReverseMatch:
        return absolute("/")


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) for one kind of email."""
    subject = render_to_string(f"emails/{kind}-subject.txt", context)
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{kind}-body.txt", context)
    html = render_to_string(f"emails/{kind}-body.html", context)
    return subject, text, html


def interview_context(reschedule, *, person_tz: str, fallback_tz: str) -> dict:
    """The confirmed interview, written in both the person's and the interviewer's zone."""
    interviewer = reschedule.interviewer
    their_tz = reschedule.time_zone or (interviewer.time_zone if interviewer else "") or fallback_tz
    if their_tz == person_tz and interviewer and interviewer.time_zone:
        their_tz = interviewer.time_zone
    times = [str(z) for z in in_zones(reschedule.start, person_tz, their_tz)]
    location = reschedule.location.strip()
    return {
        "start": reschedule.start,
        "end": reschedule.end,
        "duration_minutes": reschedule.duration_minutes,
        "times": times,
        "your_time": times[0],
        "their_time": times[1] if len(times) > 1 else "",
        "person_tz": person_tz,
        "their_tz": their_tz,
        "format": reschedule.format,
        "format_label": reschedule.get_format_display() if reschedule.format else "",
        "location": location,
        "location_is_link": location.startswith(("http://", "https://")),
        "interviewer": interviewer.name if interviewer else "",
        "interviewer_role": interviewer.get_role_display() if interviewer else "",
        "version": reschedule.version,
    }


def reminder_message(reminder, *, interview=None) -> EmailMultiAlternatives:
    """The email for one Reminder row (its incident, owner and reschedule loaded).

    `interview` is the current confirmed reschedule, for kinds that are not tied to one (the
    test reminder); interview kinds use the reminder's own reschedule.
    """
    from tracker.reminders.services import person_zone

    incident = reminder.incident
    owner = incident.owner
    profile = owner.profile
    if not owner.email:
        raise NoRecipient("The account has no email address to send reminders to.")
    kind = reminder.kind
    tz = person_zone(incident)
    reschedule = reminder.reschedule if reminder.reschedule_id else None
    confirmed = interview
    if reschedule is not None and reschedule.confirmed_at is not None:
        confirmed = reschedule
    context = {
        "kind": kind,
        "reminder": reminder,
        "person_name": profile.display_name,
        "incident": incident,
        "company": incident.company,
        "role": incident.role,
        "person_tz": tz,
        "due_local": format_local(reminder.due_at, tz),
        "incident_url": _url("incident_detail", incident.pk),
        "drafts_url": _url("drafts", incident.pk),
        "thank_you_draft_url": _url("draft", incident.pk, "thank_you"),
        "follow_up_draft_url": _url("draft", incident.pk, "follow_up"),
        "profile_url": _url("profile"),
        "partner_email": profile.partner_email if kind in PARTNER_KINDS else "",
        "interview": None,
        "request": None,
    }
    if confirmed is not None:
        context["interview"] = interview_context(
            confirmed, person_tz=tz, fallback_tz=incident.interview_tz
        )
    if kind == "follow_up" and reschedule is not None:
        context["request"] = {"requested": format_local(reschedule.requested_at, tz)}
    if kind in ("thank_you", "thank_you_last_call") and confirmed is not None:
        context["thank_you_topic"] = incident.thank_you_topic.strip()
    subject, text, html = render(kind, context)
    cc = [profile.partner_email] if context["partner_email"] else []
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[owner.email],
        cc=cc,
        headers={
            "Message-ID": reminder.message_id,
            "Auto-Submitted": "auto-generated",
            "X-Tracker-Reminder": f"{reminder.pk} {kind} v{reminder.version}",
        },
    )
    message.attach_alternative(html, "text/html")
    if kind in ICS_KINDS and confirmed is not None:
        ics = calendar.interview_ics(confirmed, incident=incident, person_tz=tz)
        message.attach("interview.ics", ics, "text/calendar; method=PUBLISH")
    return message

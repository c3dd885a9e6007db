"""One email renderer: `templates/emails/<kind>-subject.txt`, `-body.txt` and `-body.html`, and a
thin function per use. Reminder emails carry a Message-ID derived from the reminder, so a
duplicate after a crash in the SMTP reply gap is recognisable, and the 24 h and 1 h reminders
attach the interview as an .ics with alarms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from tracker.zones import format_local, in_zones


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


@dataclass(frozen=True)
class Interview:
    """The confirmed interview as the emails write it: both zones, the link or place, who."""

    start: datetime
    end: datetime
    duration_minutes: int
    times: tuple[str, ...]  # the start in the person's zone, then in the interviewer's
    person_tz: str
    their_tz: str
    format: str
    format_label: str
    location: str
    interviewer: str
    interviewer_role: str
    version: int

    @property
    def your_time(self) -> str:
        return self.times[0]

    @property
    def their_time(self) -> str:
        return self.times[1] if len(self.times) > 1 else ""

    @property
    def location_is_link(self) -> bool:
        return self.location.startswith(("http://", "https://"))


def interview_text(
    *, start: datetime, end: datetime, duration_minutes: int, person_tz: str, their_tz: str,
    format: str, format_label: str, location: str, interviewer: str, interviewer_role: str,
    version: int,
) -> Interview:
    return Interview(
        start=start, end=end, duration_minutes=duration_minutes,
        times=tuple(str(z) for z in in_zones(start, person_tz, their_tz)),
        person_tz=person_tz, their_tz=their_tz, format=format, format_label=format_label,
        location=location.strip(), interviewer=interviewer, interviewer_role=interviewer_role,
        version=version,
    )


@dataclass(frozen=True)
class ReminderMail:
    """Everything one reminder email says, as plain data. The reminder engine fills it from
    its row and the incident's situation; this module knows nothing of reminders."""

    kind: str
    reminder_id: int
    version: int
    message_id: str
    due_at: datetime
    to: str
    person_name: str
    person_tz: str
    incident_id: int
    company: str
    role: str
    interview: Interview | None = None
    requested_at: datetime | None = None  # the follow-up nudge's request
    thank_you_topic: str = ""
    partner_email: str = ""  # Cc'd (the kinds the partner gets)
    ics: bytes | None = None  # the interview as an .ics, for the kinds that carry it


def reminder_message(mail: ReminderMail) -> EmailMultiAlternatives:
    """The email for one reminder."""
    if not mail.to:
        raise NoRecipient("The account has no email address to send reminders to.")
    kind, tz, pk = mail.kind, mail.person_tz, mail.incident_id
    context = {
        "kind": kind,
        "person_name": mail.person_name,
        "company": mail.company,
        "role": mail.role,
        "person_tz": tz,
        "due_local": format_local(mail.due_at, tz),
        "incident_url": _url("incident_detail", pk),
        "drafts_url": _url("drafts", pk),
        "thank_you_draft_url": _url("draft", pk, "thank_you"),
        "follow_up_draft_url": _url("draft", pk, "follow_up"),
        "profile_url": _url("profile"),
        "partner_email": mail.partner_email,
        "interview": mail.interview,
        "request": None,
        "thank_you_topic": mail.thank_you_topic.strip(),
    }
    if mail.requested_at is not None:
        context["request"] = {"requested": format_local(mail.requested_at, tz)}
    subject, text, html = render(kind, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        cc=[mail.partner_email] if mail.partner_email else [],
        headers={
            "Message-ID": mail.message_id,
            "Auto-Submitted": "auto-generated",
            "X-Tracker-Reminder": f"{mail.reminder_id} {kind} v{mail.version}",
        },
    )
    message.attach_alternative(html, "text/html")
    if mail.ics is not None:
        message.attach("interview.ics", mail.ics, "text/calendar; method=PUBLISH")
    return message

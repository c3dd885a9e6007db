"""One email renderer: `templates/emails/<kind>-subject.txt`, `-body.txt` and `-body.html`, and a
thin function per use.

A reminder email is written when it is sent: relative words ("in 3 hours", "tomorrow") come
from the interview's start and the send time, in the person's zone, with both zones shown. Its
Message-ID is derived from the reminder (a duplicate after a crash in the SMTP reply gap is
recognisable), References threads one incident's emails, Reply-To is a setting, and each kind
carries a one-click List-Unsubscribe (RFC 8058). The invite goes as a `text/calendar;
method=REQUEST` (or CANCEL) alternative, which mail clients offer to add or update, and as an
attachment.

The MIME is built by the standard library's email API with `email.policy.default` (Django 5.2's
EmailMessage.message() builds compat32 messages, whose encoded subjects start with an empty
folded line and use 76-character encoded words; Django 6.0 takes a policy): `ReminderEmail`
overrides only message(); the standard library encodes and folds every header.
"""

from __future__ import annotations

import email.message
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.utils import formatdate, parseaddr
from zoneinfo import ZoneInfo

import css_inline
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


# The styles of every HTML email, written once in templates/emails/_base.html's <style> block
# and inlined into style attributes (mail clients drop <style> or parts of it); the media query
# stays in the head for the clients that read it.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) for one kind of email."""
    subject = render_to_string(f"emails/{kind}-subject.txt", context)
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{kind}-body.txt", context)
    html = _INLINER.inline(render_to_string(f"emails/{kind}-body.html", context))
    return subject, text, html


# --- Time in words, at send time ------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def time_until(start: datetime, now: datetime) -> str:
    """How long until `start`, in words: "in 40 minutes", "in 1 hour 10 minutes", "in about 5
    hours", "in 3 days"; "now" within a minute; "N minutes ago" once it has started."""
    minutes = round((start.astimezone(UTC) - now.astimezone(UTC)).total_seconds() / 60)
    if minutes < 0:
        ago = -minutes
        if ago < 120:
            return f"{_plural(ago, 'minute')} ago"
        return f"about {_plural(round(ago / 60), 'hour')} ago"
    if minutes == 0:
        return "now"
    if minutes < 60:
        return f"in {_plural(minutes, 'minute')}"
    hours, rest = divmod(minutes, 60)
    if hours < 3:
        return f"in {_plural(hours, 'hour')}" + (f" {_plural(rest, 'minute')}" if rest else "")
    if minutes < 48 * 60:
        rounded = round(minutes / 60)
        return f"in {_plural(rounded, 'hour')}" if rest == 0 else f"in about {rounded} hours"
    return f"in {_plural(round(minutes / 1440), 'day')}"


def day_word(start: datetime, now: datetime, zone: str) -> str:
    """"today", "tomorrow", or the weekday and date, from the person's calendar in `zone`."""
    tz = ZoneInfo(zone)
    day, today = start.astimezone(tz).date(), now.astimezone(tz).date()
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    if day == today - timedelta(days=1):
        return "yesterday"
    return f"on {start.astimezone(tz):%a} {day.day} {start.astimezone(tz):%b}"


# --- What an email says, as plain data ------------------------------------------------------

_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-/]{4,}$")


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
    interviewer_phone: str = ""

    @property
    def your_time(self) -> str:
        return self.times[0]

    @property
    def their_time(self) -> str:
        return self.times[1] if len(self.times) > 1 else ""

    @property
    def location_is_link(self) -> bool:
        return self.location.startswith(("http://", "https://")) and self.location.isprintable()

    @property
    def join_url(self) -> str:
        """The link to join a video interview (one large button in the HTML)."""
        return self.location if self.format == "video" and self.location_is_link else ""

    @property
    def phone_number(self) -> str:
        """The number to call for a phone interview: the place if it is a number, else the
        interviewer's phone."""
        if self.format != "phone":
            return ""
        for candidate in (self.location, self.interviewer_phone):
            if _PHONE.match(candidate.strip()):
                return candidate.strip()
        return ""

    @property
    def tel_url(self) -> str:
        number = self.phone_number
        return "tel:" + re.sub(r"[^0-9+]", "", number) if number else ""


def interview_text(
    *, start: datetime, end: datetime, duration_minutes: int, person_tz: str, their_tz: str,
    format: str, format_label: str, location: str, interviewer: str, interviewer_role: str,
    version: int, interviewer_phone: str = "",
) -> Interview:
    return Interview(
        start=start, end=end, duration_minutes=duration_minutes,
        times=tuple(str(z) for z in in_zones(start, person_tz, their_tz)),
        person_tz=person_tz, their_tz=their_tz, format=format, format_label=format_label,
        location=location.strip(), interviewer=interviewer, interviewer_role=interviewer_role,
        version=version, interviewer_phone=interviewer_phone.strip(),
    )


@dataclass(frozen=True)
class CalendarPart:
    """The invite an email carries: the .ics bytes and its iTIP method (REQUEST or CANCEL for
    the invite a mail client acts on, also sent as an alternative part; PUBLISH for a file to
    import, attached only)."""

    content: bytes
    method: str

    @property
    def is_invite(self) -> bool:
        return self.method in ("REQUEST", "CANCEL")


@dataclass(frozen=True)
class ReminderMail:
    """Everything one reminder email says, as plain data. The reminder engine fills it from
    its row and the incident's situation; this module knows nothing of reminders."""

    kind: str
    reminder_id: int
    version: int
    message_id: str
    due_at: datetime
    now: datetime  # when the email is written and sent: every relative word counts from it
    to: str
    person_name: str  # the person the reminders are for
    person_tz: str
    incident_id: int
    company: str
    role: str
    recipient_name: str = ""  # who it is addressed to, in To (the person unless a partner)
    interview: Interview | None = None
    previous_times: tuple[str, ...] = ()  # a moved interview's former start, both zones
    requested_at: datetime | None = None  # the follow-up nudge's request
    proposed: tuple[tuple[str, ...], ...] = ()  # the follow-up nudge's proposed times
    thank_you_topic: str = ""
    calendar: CalendarPart | None = None
    kind_label: str = ""
    unsubscribe_url: str = ""  # the one-click stop for this kind (RFC 8058)
    thread_id: str = ""  # the Message-ID every email of the incident refers to
    ics_url: str = ""
    # Issue 15: the signed "I'm ready" (1 h reminder, escalation) and "I've re-confirmed" (24 h
    # reminder) links, answered without a login.
    ready_url: str = ""
    reconfirm_url: str = ""
    # Issue 15: the follow-up's send time in the recipient's working hours, both zones.
    send_at_text: str = ""


class _Message(email.message.EmailMessage):
    """A standard-library message (policy.default) that serialises with the line ending the
    caller asks for, as Django's backends ask (`as_bytes(linesep="\\r\\n")`)."""

    def as_bytes(self, unixfrom=False, linesep=None, policy=None):
        policy = policy or self.policy
        if linesep is not None:
            policy = policy.clone(linesep=linesep)
        return super().as_bytes(unixfrom, policy=policy)

    def as_string(self, unixfrom=False, maxheaderlen=None, policy=None, linesep=None):
        policy = policy or self.policy
        if linesep is not None:
            policy = policy.clone(linesep=linesep)
        return super().as_string(unixfrom, maxheaderlen, policy)


_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _one_line(value: str) -> str:
    return " ".join(_ONE_LINE.sub(" ", value).split())


class ReminderEmail(EmailMultiAlternatives):
    """Django's EmailMultiAlternatives (the backends, the outbox, `send()`), whose MIME is built
    by the standard library with `email.policy.default`: headers encoded and folded as the
    standard library does, the text parts quoted-printable, the calendar parts named by their
    method. `to_name` is the recipient's name in To (the envelope keeps the bare address).
    An attached `text/calendar; method=REQUEST` (or CANCEL) goes out twice, as iTIP mail
    clients expect: as the last alternative of the body, and as the attachment."""

    def __init__(self, *args, to_name: str = "", **kw):
        super().__init__(*args, **kw)
        self.to_name = to_name

    def _address(self, value: str, name: str = "") -> Address:
        display, addr = parseaddr(value)
        return Address(display_name=_one_line(name or display), addr_spec=addr)

    def message(self):
        msg = _Message(policy=email.policy.default)
        msg["Subject"] = _one_line(self.subject)
        msg["From"] = self._address(self.from_email)
        msg["To"] = [
            self._address(a, self.to_name if len(self.to) == 1 else "") for a in self.to
        ]
        if self.cc:
            msg["Cc"] = [self._address(a) for a in self.cc]
        if self.reply_to:
            msg["Reply-To"] = [self._address(a) for a in self.reply_to]
        msg["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        for name, value in self.extra_headers.items():
            if name.lower() not in {"from", "to", "cc", "reply-to", "subject", "date"}:
                msg[name] = _one_line(str(value))
        msg.set_content(self.body, cte="quoted-printable")
        for content, mimetype in self.alternatives:
            if mimetype == "text/html":
                msg.add_alternative(content, subtype="html", cte="quoted-printable")
        attachments = []
        for filename, content, mimetype in self.attachments:
            _maintype, _, rest = mimetype.partition("/")
            subtype, *params = (p.strip() for p in rest.split(";"))
            params = dict(p.split("=", 1) for p in params if "=" in p)
            if isinstance(content, bytes):
                content = content.decode()
            if subtype == "calendar" and params.get("method") in ("REQUEST", "CANCEL"):
                msg.add_alternative(content, subtype="calendar", cte="quoted-printable",
                                    params=params)
            attachments.append((filename, content, subtype, params))
        for filename, content, subtype, params in attachments:
            msg.add_attachment(content, subtype=subtype, cte="quoted-printable", params=params,
                               filename=filename)
        return msg


def reminder_message(mail: ReminderMail) -> ReminderEmail:
    """The email for one reminder, written at `mail.now`."""
    if not mail.to:
        raise NoRecipient("There is no email address to send this reminder to.")
    kind, tz, pk, now = mail.kind, mail.person_tz, mail.incident_id, mail.now
    iv = mail.interview
    context = {
        "kind": kind,
        "kind_label": mail.kind_label,
        "person_name": mail.person_name,
        "recipient_name": mail.recipient_name,
        "company": mail.company,
        "role": mail.role,
        "person_tz": tz,
        "now_local": format_local(now, tz),
        "due_local": format_local(mail.due_at, tz),
        "incident_url": _url("incident_detail", pk),
        "drafts_url": _url("drafts", pk),
        "thank_you_draft_url": _url("draft", pk, "thank_you"),
        "follow_up_draft_url": _url("draft", pk, "follow_up"),
        "profile_url": _url("profile"),
        "ics_url": mail.ics_url,
        "unsubscribe_url": mail.unsubscribe_url,
        "interview": iv,
        "previous_times": mail.previous_times,
        "starts_in": time_until(iv.start, now) if iv else "",
        "day": day_word(iv.start, now, tz) if iv else "",
        "started": iv is not None and iv.start <= now,
        "request": None,
        "proposed": mail.proposed,
        "thank_you_topic": mail.thank_you_topic.strip(),
        "has_invite": mail.calendar is not None,
        "ready_url": mail.ready_url,
        "reconfirm_url": mail.reconfirm_url,
        "send_at_text": mail.send_at_text,
    }
    if mail.requested_at is not None:
        context["request"] = {"requested": format_local(mail.requested_at, tz)}
    subject, text, html = render(kind, context)
    headers = {
        "Message-ID": mail.message_id,
        "Auto-Submitted": "auto-generated",
        "X-Tracker-Reminder": f"{mail.reminder_id} {kind} v{mail.version}",
    }
    if mail.thread_id:
        headers["References"] = mail.thread_id
        headers["In-Reply-To"] = mail.thread_id
    if mail.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    reply_to = getattr(settings, "REMINDER_REPLY_TO", "") or settings.DEFAULT_FROM_EMAIL
    message = ReminderEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        reply_to=[reply_to],
        headers=headers,
        to_name=mail.recipient_name,
    )
    message.attach_alternative(html, "text/html")
    if mail.calendar is not None:
        message.attach(
            "interview.ics", mail.calendar.content, f"text/calendar; method={mail.calendar.method}"
        )
    return message

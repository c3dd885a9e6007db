"""Helpers for the tests of what leaves the database: run the real dispatcher at an instant and
read back what it sent, the way a mail client and a calendar would."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import UTC, datetime

import time_machine
from django.core import mail
from icalendar import Calendar

from tracker.reminders import dispatch


@dataclass
class Sent:
    """One email as it went out: the Django message, the bytes read back with the standard
    library's modern parser, and its calendar parts."""

    django: object
    msg: email.message.EmailMessage

    @property
    def kind(self) -> str:
        return str(self.msg["X-Tracker-Reminder"]).split()[1]

    @property
    def subject(self) -> str:
        return str(self.msg["Subject"])

    def text(self) -> str:
        return self.msg.get_body(("plain",)).get_content()

    def html(self) -> str:
        return self.msg.get_body(("html",)).get_content()

    def calendar_parts(self) -> list[email.message.EmailMessage]:
        return [p for p in self.msg.walk() if p.get_content_type() == "text/calendar"]

    def ics(self) -> bytes | None:
        """The attached .ics (the one a person saves or a client imports)."""
        for part in self.calendar_parts():
            if part.get_filename():
                return part.get_content().encode()
        return None

    def event(self):
        raw = self.ics()
        if raw is None:
            return None
        (event,) = Calendar.from_ical(raw).walk("VEVENT")
        return event

    def method(self) -> str:
        return str(Calendar.from_ical(self.ics())["METHOD"])


def parse(message) -> email.message.EmailMessage:
    raw = message.message().as_bytes(linesep="\r\n")
    return email.message_from_bytes(raw, policy=email.policy.default)


def send_due(at: datetime) -> list[Sent]:
    """Run the dispatcher at `at` (the clock frozen there) and return what it sent."""
    before = len(mail.outbox)
    with time_machine.travel(at.astimezone(UTC), tick=False):
        dispatch.run()
    return [Sent(m, parse(m)) for m in mail.outbox[before:]]


def of_kind(sent: list[Sent], kind: str, incident=None) -> Sent:
    """The one email of `kind` (of `incident`, if given) among `sent`."""
    found = [s for s in sent if s.kind == kind and (
        incident is None or str(s.msg["Message-ID"]).startswith(f"<reminder.{incident.pk}."))]
    assert len(found) == 1, f"expected one {kind} email, got {[s.kind for s in sent]}"
    return found[0]

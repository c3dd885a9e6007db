"""CR/LF in names, companies, roles and subjects never reaches an email header: every reminder
kind and the password reset email keep one line per header, and the bytes sent parse back to
the same headers (no Bcc, no second Subject, no extra body smuggled in)."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from tests.security.hostile import AFTER, hostile_world, reminder_emails
from tracker.accounts.models import Profile

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "Acme\r\nBcc: evil@example.com",
    "Acme\nSubject: pwned",
    "Acme\r\n\r\n<b>body</b>",
    "Acme\rX-Evil: 1",
    "Acme\u2028\u0085Cc: x@example.com",
]


FOLD = re.compile(r"\r?\n[ \t]")


def assert_headers_hold(django_message, where: str) -> None:
    """Each header is one logical line (a long one may be folded: a line break followed by a
    space), and the bytes on the wire parse back to the same headers and values."""
    assert "\r" not in django_message.subject and "\n" not in django_message.subject, where
    mime = django_message.message()
    names = [k.lower() for k in mime.keys()]
    for name, value in mime.items():
        unfolded = FOLD.sub(" ", str(value))
        assert "\r" not in unfolded and "\n" not in unfolded, f"{where}: {name} has a line break"
    parsed = email.message_from_bytes(mime.as_bytes(), policy=policy.default)
    assert [k.lower() for k in parsed.keys()] == names, where
    for name in parsed.keys():
        value = str(parsed[name])
        assert "\r" not in value and "\n" not in value, f"{where}: {name} parses to two lines"
    assert "bcc" not in names, where
    assert len(parsed.get_all("Subject")) == 1, where
    # The standard library may fold a whole value onto the next line (folding white space at
    # the start of an unstructured value, which readers drop).
    assert parsed["Subject"].lstrip() == django_message.subject, where
    assert [a.addr_spec for a in parsed["To"].addresses] == django_message.to, where
    cc = [a.addr_spec for a in parsed["Cc"].addresses] if parsed["Cc"] else []
    assert cc == django_message.cc, where


@pytest.mark.parametrize("injection", INJECTIONS)
def test_no_reminder_email_header_carries_a_line_break(injection, owner):
    hostile_world(owner, injection, link="https://meet.example/a")
    messages = reminder_emails(owner)
    for kind, message in messages.items():
        assert_headers_hold(message, f"the {kind} email")
        # The company is still named in the subject, on one line.
        if "Acme" in message.subject:
            assert "Acme" in " ".join(message.subject.split())
        for name, content, _ in message.attachments:
            if name.endswith(".ics"):
                (event,) = Calendar.from_ical(content).walk("VEVENT")
                smuggled = {"BCC", "CC", "SUBJECT", "X-EVIL"} & set(event)
                assert not smuggled, f"the {kind} .ics gained {smuggled}"
                # An invite names its one attendee, the person (or nobody): no other address.
                attendees = event.get("ATTENDEE", [])
                attendees = attendees if isinstance(attendees, list) else [attendees]
                assert [str(a) for a in attendees] in ([], [f"mailto:{owner.email}"]), kind


@pytest.mark.parametrize("injection", INJECTIONS)
def test_the_password_reset_email_keeps_one_line_per_header(injection, owner, client):
    # The name as stored before the text validators refused line breaks (issue 12).
    Profile.objects.filter(user=owner).update(full_name=injection)
    response = client.post(reverse("password_reset"), {"email": owner.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert_headers_hold(message, "the password reset email")
    assert message.to == [owner.email]


def test_a_line_break_in_the_link_breaks_neither_the_calendar_nor_the_emails(owner, client):
    """Data saved before the forms refused line breaks (or by a script) still renders: the
    .ics download and the reminders that attach it."""
    link = "https://meet.example/a\r\nATTENDEE:mailto:x@example.com"
    w = hostile_world(owner, "Acme", link=link)
    for kind, message in reminder_emails(owner).items():
        for _, content, _ in message.attachments:
            (event,) = Calendar.from_ical(content).walk("VEVENT")
            assert "x@example.com" not in str(event.get("ATTENDEE", "")), kind
    client.force_login(owner)
    with time_machine.travel(AFTER, tick=False):
        response = client.get(reverse("incident_ics", args=[w["attended"].pk]))
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert "ATTENDEE" not in event and "URL" not in event


def test_the_ics_download_names_the_file_on_one_line(owner, client):
    w = hostile_world(owner, "Acme\r\nSet-Cookie: x=1")
    client.force_login(owner)
    with time_machine.travel(AFTER, tick=False):
        response = client.get(reverse("incident_ics", args=[w["attended"].pk]))
    assert response.status_code == 200
    for name, value in response.items():
        assert "\r" not in value and "\n" not in value, name
    assert "set-cookie" not in {k.lower() for k, _ in response.items()}

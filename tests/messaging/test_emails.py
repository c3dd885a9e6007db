"""tracker/messaging/emails.py: the reminder emails, rendered from the real rows."""

import email
import email.policy
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from icalendar import Calendar

from tests.scenarios import START, T0, apologise, confirm, confirmed
from tests.scenarios import logged as log
from tests.scenarios import reminders_by_kind as rows
from tracker.incidents import services as incidents
from tracker.reminders.mail import message_for as render_reminder
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
K = Reminder.Kind


def message_for(incident, kind):
    r = Reminder.objects.select_related(
        "incident__owner__profile", "reschedule__interviewer"
    ).get(incident=incident, kind=kind, status__in=["pending", "skipped"])
    return r, render_reminder(r, now=r.due_at)  # written as the dispatcher writes it on time


def html_of(message):
    return next(body for body, mime in message.alternatives if mime == "text/html")


def test_24h_reminder_has_both_zones_the_link_the_next_step_and_an_ics(user):
    incident = confirmed(user)
    r, m = message_for(incident, K.BEFORE_24H)
    assert m.subject == (
        "Tomorrow: your Backend engineer interview with Acme at "
        "Thu 5 Mar 2026, 09:00 CST (America/Chicago)"
    )
    assert "is tomorrow, in 24 hours." in m.body
    for part in (m.body, html_of(m)):
        assert "09:00 CST (America/Chicago)" in part
        assert "20:30 IST (Asia/Kolkata)" in part
        assert "https://meet.example/abc" in part
        assert "Confirm the logistics" in part
        assert "tech check" in part
    assert m.extra_headers["Message-ID"] == r.message_id
    assert m.to == [user.email] and m.cc == []
    # The invite went with the confirmation; the reminder links to the calendar file.
    assert m.attachments == []
    assert f"http://127.0.0.1:8000/incidents/{incident.pk}/interview.ics" in m.body


def test_24h_reminder_never_copies_the_partner_who_has_not_accepted(user):
    user.profile.partner_email = "sam@example.net"
    user.profile.save()
    incident = confirmed(user)
    _, m = message_for(incident, K.BEFORE_24H)
    assert m.cc == [] and "sam@example.net" not in m.body
    assert not Reminder.objects.filter(incident=incident, kind=K.PARTNER_BEFORE_24H).exists()


def test_1h_reminder_says_tech_check_now_and_join_early(user):
    incident = confirmed(user)
    _, m = message_for(incident, K.BEFORE_1H)
    assert m.subject.startswith("In 1 hour: Backend engineer interview with Acme")
    assert "starts in 1 hour." in m.body
    assert "tech check now" in m.body and "Join 10–15 minutes early" in m.body
    assert m.attachments == []


def test_onsite_reminders_talk_about_the_route_and_the_place(user):
    incident = apologise(log(user))
    confirm(incident, format="onsite", location="12 Quay St, Level 3")
    _, m = message_for(incident, K.BEFORE_24H)
    assert "Place: 12 Quay St, Level 3" in m.body
    assert "travel buffer" in m.body


def test_interviewer_is_named(user):
    incident = apologise(log(user))
    contact = incidents.contact_save(
        owner=user, incident=incident, name="Priya Raman", role="interviewer",
        time_zone="Asia/Kolkata", now=T0 + timedelta(minutes=40),
    )
    confirm(incident, interviewer=contact)
    _, m = message_for(incident, K.BEFORE_1H)
    assert "Interviewer: Priya Raman (Interviewer)" in m.body


def test_thank_you_nudge_says_today_and_carries_a_short_draft_and_the_link(user):
    incident = confirmed(user)
    _, m = message_for(incident, K.THANK_YOU)
    assert m.subject == "Send your thank-you note to Acme today"
    assert "Subject: Thank you – Backend engineer interview" in m.body
    assert "http://127.0.0.1:8000/incidents/" in m.body and "/thank_you/" in m.body
    assert m.attachments == []


def test_first_hour_and_test_emails_render(user):
    incident = log(user)
    _, m = message_for(incident, K.FIRST_HOUR)
    assert "contact Acme now" in m.subject and "first hour" in m.body
    assert m.attachments == []


def test_names_are_escaped_in_html_but_not_in_text(user):
    incident = log(user, company="Smith & <Sons>")
    _, m = message_for(incident, K.FIRST_HOUR)
    assert "Smith & <Sons>" in m.body and "Smith & <Sons>" in m.subject
    assert "Smith &amp; &lt;Sons&gt;" in html_of(m)


def test_every_kind_has_subject_text_and_html_templates():
    from django.template.loader import get_template

    for kind in K.values:
        for part in ("subject.txt", "body.txt", "body.html"):
            get_template(f"emails/{kind}-{part}")


def test_follow_up_nudge_names_the_request_time(user):
    incident = apologise(log(user))
    incidents.reschedule_request(
        incident=incident,
        slots=[(START, "Asia/Kolkata"), (START + timedelta(hours=2), "Asia/Kolkata")],
        now=T0 + timedelta(minutes=30),
    )
    _, m = message_for(incident, K.FOLLOW_UP)
    assert "send one follow-up today" in m.subject
    assert "Mon 2 Mar 2026, 08:50 CST (America/Chicago)" in m.body
    assert rows(incident)[K.FOLLOW_UP].reschedule_id


def parsed(message):
    """The bytes Django would send, read back by the standard library's modern parser."""
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def test_reminder_mime_reads_back_with_its_headers_and_parts_and_no_defects(user):
    user.profile.full_name = "Zoë Ünïcode-Ölçer, a rather long name for a header " * 2
    user.profile.save()
    incident = confirmed(user)
    incident.company = "Überlange Firma GmbH & Co. KG, Abteilung für " + "sehr " * 10
    incident.save()
    for kind in (K.INTERVIEW_CONFIRMED, K.BEFORE_24H, K.BEFORE_1H):
        r, m = message_for(incident, kind)
        assert isinstance(m, EmailMultiAlternatives)
        raw = m.message().as_bytes(linesep="\r\n")
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert all(len(line) <= 78 for line in head.split(b"\r\n"))  # RFC 5322 2.1.1
        # The long non-ASCII subject: encoded words as the standard library writes them, the
        # first on the Subject line itself (compat32 started with an empty folded line).
        subject = re.search(rb"(?m)^Subject:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head).group(1)
        lines = subject.split(b"\r\n")
        assert len(lines) > 2 and lines[0].startswith(b" ") and lines[0].strip()
        assert re.findall(rb"=\?utf-8\?q\?", subject)
        msg = parsed(m)
        for part in msg.walk():
            assert not part.defects, (kind, part.get_content_type(), part.defects)
        assert msg["Subject"] == m.subject and "Überlange Firma" in m.subject
        assert msg["From"] == settings.DEFAULT_FROM_EMAIL
        (to,) = msg["To"].addresses
        assert (to.addr_spec, to.display_name) == (user.email, user.profile.full_name.strip())
        assert msg["Cc"] is None
        assert msg["Reply-To"]
        assert msg["Message-ID"] == r.message_id
        assert msg["References"] == msg["In-Reply-To"] == f"<incident.{incident.pk}@127.0.0.1>"
        assert msg["Auto-Submitted"] == "auto-generated"
        assert msg["X-Tracker-Reminder"] == f"{r.pk} {kind} v{r.version}"
        assert msg["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/reminders/unsub")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        leaves = [p for p in msg.walk() if not p.is_multipart()]
        text, html = leaves[:2]
        assert text.get_content().replace("\r\n", "\n") == m.body
        assert html.get_content().replace("\r\n", "\n").rstrip("\n") == html_of(m).rstrip("\n")
        if kind != K.INTERVIEW_CONFIRMED:
            assert msg.get_content_type() == "multipart/alternative"
            assert [p.get_content_type() for p in leaves] == ["text/plain", "text/html"]
            continue
        assert msg.get_content_type() == "multipart/mixed"
        assert [p.get_content_type() for p in leaves] == [
            "text/plain", "text/html", "text/calendar", "text/calendar"]
        invite, ics = leaves[2:]
        assert ics.get_filename() == "interview.ics" and invite.get_filename() is None
        (_, content, _), = m.attachments
        if isinstance(content, bytes):
            content = content.decode()
        # A text part's line breaks are the wire's: compare line by line.
        assert ics.get_content().splitlines() == content.splitlines()
        assert invite.get_content() == ics.get_content()
        (event,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")
        assert str(event["SUMMARY"]) == f"Interview: Backend engineer at {incident.company}"


def test_reminder_mime_parts_have_distinct_boundaries_absent_from_the_parts(user):
    incident = confirmed(user)
    _, m = message_for(incident, K.INTERVIEW_CONFIRMED)
    msg = parsed(m)
    assert all(not p.defects for p in msg.walk())
    boundaries = [p.get_boundary() for p in msg.walk() if p.is_multipart()]
    assert len(boundaries) == len(set(boundaries)) == 2
    leaves = [p for p in msg.walk() if not p.is_multipart()]
    assert [p.get_content_type() for p in leaves] == [
        "text/plain", "text/html", "text/calendar", "text/calendar"]
    for p in leaves:
        assert not any(b.encode() in p.get_payload(decode=True) for b in boundaries)
    assert leaves[0].get_payload(decode=True).decode().replace("\r\n", "\n") == m.body


def test_only_the_notices_carry_the_invite_and_it_is_a_request_or_a_cancel(user):
    incident = confirmed(user)
    for kind in (K.BEFORE_24H, K.BEFORE_1H, K.THANK_YOU):
        _, m = message_for(incident, kind)
        assert [p for p in parsed(m).walk() if p.get_content_type() == "text/calendar"] == []
    _, n = message_for(incident, K.INTERVIEW_CONFIRMED)
    msg = parsed(n)
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    # The invite a mail client acts on (the last alternative of the body), and the file.
    assert [(p.get_filename(), p.get_param("method")) for p in parts] == [
        (None, "REQUEST"), ("interview.ics", "REQUEST")]
    assert all(p.get_param("charset") == "utf-8" and not p.defects for p in parts)
    alternative = next(p for p in msg.walk() if p.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain", "text/html", "text/calendar"]

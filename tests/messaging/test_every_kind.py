"""Every kind of reminder email, rendered from real rows and read back with the standard
library's parser (email.policy.default): no defects, the headers every kind carries, and the
partner's copy as its own email."""

import email
import email.policy
from datetime import timedelta

import pytest
from django.conf import settings

from tests.scenarios import START, T0, apologise, confirm, confirmed, logged
from tracker.incidents import services
from tracker.incidents.selectors import situation_for
from tracker.reminders import planning
from tracker.reminders.mail import message_for
from tracker.reminders.models import Reminder
from tracker.reminders.services import reminder_send_test, reminders_sync

pytestmark = pytest.mark.django_db
K = Reminder.Kind


@pytest.fixture
def partner(monkeypatch):
    """An accountability partner who accepted the invitation (issue 12's consent flow)."""
    address = "sam@example.net"
    for module in ("tracker.reminders.services", "tracker.reminders.mail"):
        monkeypatch.setattr(f"{module}.partner_address", lambda profile: address)
    return address


def every_kind(user):
    """Rows of every kind for `user`, across four incidents."""
    first = logged(user)  # the first-hour nudge
    asked = apologise(logged(user))
    services.reschedule_request(
        incident=asked, slots=[(START, "Asia/Kolkata"), (START + timedelta(hours=2), "UTC")],
        now=T0 + timedelta(minutes=30),
    )  # the follow-up nudge
    moved = confirmed(user)  # confirmed, the 24 h, 1 h, thank-you, last call, partner
    confirm(moved, start=START, now=T0 + timedelta(hours=2), location="https://meet.example/x")
    confirm(moved, start=START + timedelta(hours=3), now=T0 + timedelta(hours=3))
    off = confirmed(user)
    services.reschedule_cancel(reschedule=situation_for(off).current, now=T0 + timedelta(hours=2))
    reminder_send_test(incident=first, now=T0 + timedelta(minutes=50))
    # Issue 15: no "I'm ready" after the 1 h reminder went out: the escalation and the partner's
    # note.
    late = confirmed(user)
    Reminder.objects.filter(incident=late, kind=K.BEFORE_1H).update(
        status=Reminder.Status.SENT, sent_at=START - timedelta(hours=1))
    reminders_sync(incident=late, now=START - timedelta(hours=1))
    rows = {}
    for r in Reminder.objects.filter(incident__owner=user).order_by("pk"):
        rows.setdefault(r.kind, r)
    return rows


def test_every_kind_parses_without_defects_with_its_headers(user, partner):
    rows = every_kind(user)
    assert set(rows) == set(K.values)
    for kind, row in rows.items():
        m = message_for(row, now=row.due_at)
        raw = m.message().as_bytes(linesep="\r\n")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for part in msg.walk():
            assert not part.defects, (kind, part.get_content_type(), part.defects)
        assert all(len(line) <= 998 for line in raw.split(b"\r\n")), kind
        assert msg["Message-ID"] == row.message_id, kind
        assert msg["References"] == f"<incident.{row.incident_id}@127.0.0.1>", kind
        assert msg["Reply-To"], kind
        assert msg["Cc"] is None, kind
        assert msg.get_body(("html",)).get_content().count('name="viewport"') == 1, kind
        if kind in planning.OPTIONAL_KINDS and kind not in planning.PARTNER_KINDS:
            assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", kind
            assert "/reminders/unsubscribe/" in msg["List-Unsubscribe"], kind
        calendars = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
        if kind in planning.NOTICE_KINDS:
            method = "CANCEL" if kind == K.INTERVIEW_CALLED_OFF else "REQUEST"
            assert [p.get_param("method") for p in calendars] == [method, method], kind
        else:
            assert calendars == [], kind
        (to,) = msg["To"].addresses
        if kind in planning.PARTNER_KINDS:
            assert (to.addr_spec, to.display_name) == (partner, "")
        else:
            assert (to.addr_spec, to.display_name) == (user.email, user.profile.display_name)


def test_the_partner_copy_is_its_own_email_with_its_own_words_and_no_calendar(user, partner):
    incident = confirmed(user)
    row = Reminder.objects.get(incident=incident, kind=K.PARTNER_BEFORE_24H)
    assert row.due_at == START - timedelta(hours=24)
    m = message_for(row, now=row.due_at)
    assert m.to == [partner] and m.cc == [] and m.attachments == []
    name = user.profile.display_name
    assert f"{name} has an interview tomorrow at" in m.body
    assert "a call the evening before helps" in m.subject
    assert "accountability partner" in m.body
    # Not the person's words, links or profile.
    assert "meet.example" not in m.body and "/profile/" not in m.body
    assert "incidents/" not in m.body
    # The person's own 24 h reminder goes to the person alone.
    mine = message_for(Reminder.objects.get(incident=incident, kind=K.BEFORE_24H))
    assert mine.to == [user.email] and mine.cc == []


def test_no_partner_row_without_an_accepted_partner(user):
    user.profile.partner_email = "sam@example.net"  # typed, never accepted
    user.profile.save()
    incident = confirmed(user)
    assert not Reminder.objects.filter(incident=incident, kind=K.PARTNER_BEFORE_24H).exists()


def test_a_partner_who_stops_loses_the_pending_copy_at_the_next_sync(user, partner, monkeypatch):
    incident = confirmed(user)
    row = Reminder.objects.get(incident=incident, kind=K.PARTNER_BEFORE_24H)
    assert row.status == "pending"
    monkeypatch.setattr("tracker.reminders.services.partner_address", lambda profile: "")
    reminders_sync(incident=incident, now=T0 + timedelta(hours=2))
    row.refresh_from_db()
    assert row.status == "cancelled"


def test_the_settings_reply_to_is_used(user):
    incident = confirmed(user)
    row = Reminder.objects.get(incident=incident, kind=K.BEFORE_1H)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "REMINDER_REPLY_TO", "help@example.org", raising=False)
        assert message_for(row, now=row.due_at).reply_to == ["help@example.org"]
    assert message_for(row, now=row.due_at).reply_to == [
        getattr(settings, "REMINDER_REPLY_TO", "") or settings.DEFAULT_FROM_EMAIL]

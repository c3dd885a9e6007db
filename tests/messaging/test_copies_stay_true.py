"""Issue 10, "Why": each copy that leaves the database, as a user's mail client and calendar read
it, stays true through every move and call-off. One test per failure listed in the issue, each
through the real services and the real dispatcher, read back with the standard library's email
parser and icalendar."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.messaging.copies import of_kind, send_due
from tests.scenarios import apologise, confirm, logged
from tracker.incidents import services
from tracker.incidents.selectors import situation_for
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
K = Reminder.Kind

# Everything happens in the week before an interview on Thursday 8 Apr 2027, 10:00 UTC.
DAY0 = datetime(2027, 4, 1, 12, 0, tzinfo=UTC)
START = datetime(2027, 4, 8, 10, 0, tzinfo=UTC)


def recovering(user, *, at=DAY0, candidate_tz="America/Chicago", **fields):
    """An incident logged and apologised for at `at`, ready for a confirmed time."""
    incident = logged(user, now=at, discovered_at=at, interview_at=at - timedelta(minutes=30),
                      candidate_tz=candidate_tz, **fields)
    apologise(incident, now=at + timedelta(minutes=5))
    incident.refresh_from_db()
    return incident


def current(incident):
    return situation_for(incident).current


def test_calling_the_interview_off_sends_a_cancellation_and_the_ics_still_answers(user, client):
    incident = recovering(user)
    confirm(incident, start=START, now=DAY0 + timedelta(hours=1))
    invite = of_kind(send_due(DAY0 + timedelta(hours=1)), "interview_confirmed")
    services.reschedule_cancel(reschedule=current(incident), now=DAY0 + timedelta(hours=2))
    off = of_kind(send_due(DAY0 + timedelta(hours=2)), "interview_called_off")
    assert off.method() == "CANCEL"
    event = off.event()
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(invite.event()["UID"])
    assert event.walk("VALARM") == []
    assert "called off" in off.subject.lower()
    # The .ics link keeps answering, with the cancelled event.
    client.force_login(user)
    response = client.get(reverse("incident_ics", args=[incident.pk]))
    assert response.status_code == 200
    cal = Calendar.from_ical(response.content)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_a_new_time_after_a_call_off_keeps_the_uid_and_outranks_the_cancellation(user):
    incident = recovering(user)
    confirm(incident, start=START, now=DAY0 + timedelta(hours=1))
    first = of_kind(send_due(DAY0 + timedelta(hours=1)), "interview_confirmed")
    services.reschedule_cancel(reschedule=current(incident), now=DAY0 + timedelta(hours=2))
    off = of_kind(send_due(DAY0 + timedelta(hours=2)), "interview_called_off")
    confirm(incident, start=START + timedelta(days=1), now=DAY0 + timedelta(hours=3))
    again = of_kind(send_due(DAY0 + timedelta(hours=3)), "interview_confirmed")
    uids = {str(s.event()["UID"]) for s in (first, off, again)}
    assert len(uids) == 1
    sequences = [s.event().decoded("SEQUENCE") for s in (first, off, again)]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert again.method() == "REQUEST"
    assert str(again.event()["STATUS"]) == "CONFIRMED"
    assert again.event().decoded("DTSTART") == START + timedelta(days=1)


@pytest.mark.parametrize(
    ("details", "why"),
    [({"location": "https://meet.example/new"}, "link"), ({"duration_minutes": 90}, "duration")],
)
def test_a_change_of_link_or_duration_bumps_sequence_and_dtstamp_is_the_copys_time(
    user, details, why
):
    incident = recovering(user)
    confirm(incident, start=START, now=DAY0 + timedelta(hours=1))
    first = of_kind(send_due(DAY0 + timedelta(hours=1)), "interview_confirmed")
    confirm(incident, start=START, now=DAY0 + timedelta(hours=5), **details)
    changed = of_kind(send_due(DAY0 + timedelta(hours=5, seconds=3)), "interview_changed")
    e1, e2 = first.event(), changed.event()
    assert e2.decoded("SEQUENCE") > e1.decoded("SEQUENCE"), why
    assert e2.decoded("DTSTAMP") == DAY0 + timedelta(hours=5, seconds=3)
    if why == "link":
        assert str(e2["URL"]) == "https://meet.example/new"
    else:
        assert e2.decoded("DTEND") - e2.decoded("DTSTART") == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("zone", "wall", "instant"),
    [
        # Lord Howe goes back from 02:00 (+11) to 01:30 (+10:30): the second 01:45.
        ("Australia/Lord_Howe", datetime(2027, 4, 4, 1, 45, fold=1),
         datetime(2027, 4, 3, 15, 15, tzinfo=UTC)),
        # New York goes back from 02:00 EDT to 01:00 EST: the second 01:30.
        ("America/New_York", datetime(2026, 11, 1, 1, 30, fold=1),
         datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
    ],
)
def test_an_interview_in_the_repeated_hour_is_written_as_its_own_instant(
    user, zone, wall, instant
):
    assert wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) == instant
    at = instant - timedelta(days=3)
    incident = recovering(user, at=at, candidate_tz=zone)
    confirm(incident, start=instant, now=at + timedelta(hours=1), time_zone=zone)
    sent = of_kind(send_due(at + timedelta(hours=1)), "interview_confirmed")
    raw = sent.ics().decode()
    (dtstart,) = re.findall(r"^DTSTART[^\r\n]*", raw, flags=re.M)
    assert dtstart == f"DTSTART:{instant:%Y%m%dT%H%M%S}Z"  # UTC, no TZID to misread
    assert sent.event().decoded("DTSTART") == instant
    assert f"X-WR-TIMEZONE:{zone}" in raw


def test_the_24h_alarm_is_24_hours_on_a_lord_howe_dst_day_and_none_is_already_past(user):
    zone = "Australia/Lord_Howe"
    # Lord Howe springs forward 30 minutes at 02:00 on Sun 4 Oct 2026; the interview is that
    # morning at 09:00: -P1D from a local start would ring 23.5 hours before.
    start = datetime(2026, 10, 4, 9, 0, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    at = start - timedelta(days=3)
    incident = recovering(user, at=at, candidate_tz=zone)
    confirm(incident, start=start, now=at, time_zone=zone)
    sent = of_kind(send_due(at), "interview_confirmed")
    raw = sent.ics().decode()
    assert "TRIGGER:-PT24H" in raw and "P1D" not in raw
    event = sent.event()
    instants = sorted(event.decoded("DTSTART") + a.decoded("TRIGGER")
                      for a in event.walk("VALARM"))
    assert instants[0] == start - timedelta(seconds=86_400)
    # The 24 h email goes at that same instant.
    r = Reminder.objects.get(incident=incident, kind=K.BEFORE_24H)
    assert r.due_at == instants[0]

    # Confirmed less than a day ahead: no alarm already in the past.
    late = recovering(user, at=at)
    confirm(late, start=at + timedelta(hours=5), now=at + timedelta(minutes=10))
    sent = of_kind(send_due(at + timedelta(minutes=10)), "interview_confirmed")
    event = sent.event()
    triggers = {a.decoded("TRIGGER") for a in event.walk("VALARM")}
    assert triggers == {-timedelta(hours=1), -timedelta(minutes=15)}


def test_the_wording_is_true_when_the_email_is_sent_not_when_it_was_planned(user):
    incident = recovering(user)
    confirm(incident, start=START, now=DAY0 + timedelta(hours=1))
    send_due(DAY0 + timedelta(hours=1))
    # The 24 h reminder goes three hours late (a dispatcher down, say): it says so.
    late = of_kind(send_due(START - timedelta(hours=21)), K.BEFORE_24H)
    assert "in 21 hours" in late.text() and "in 24 hours" not in late.text()
    assert late.subject.startswith("Tomorrow:")
    one = of_kind(send_due(START - timedelta(minutes=40)), K.BEFORE_1H)
    assert one.subject.startswith("In 40 minutes:")
    assert "starts in 40 minutes" in one.text()
    assert "one hour" not in one.text()
    # Both zones are shown.
    assert "(America/Chicago)" in one.text() and "(Asia/Kolkata)" in one.text()


def test_an_interview_confirmed_50_minutes_ahead_still_gets_its_1_hour_reminder(user):
    incident = recovering(user)
    now = DAY0 + timedelta(hours=2)
    confirm(incident, start=now + timedelta(minutes=50), now=now)
    rows = {r.kind: r for r in Reminder.objects.filter(incident=incident)}
    assert rows[K.BEFORE_1H].status == "pending" and rows[K.BEFORE_1H].due_at == now
    assert "sent at once" in rows[K.BEFORE_1H].reason
    assert rows[K.BEFORE_24H].status == "skipped"
    sent = send_due(now + timedelta(seconds=20))
    one = of_kind(sent, K.BEFORE_1H)
    assert "in 50 minutes" in one.text()


def test_a_thank_you_nudge_never_arrives_at_night_in_the_persons_zone(user):
    zone = "America/Chicago"
    incident = recovering(user)
    # Ends 00:45 Chicago; the nudge an hour after the end would be 01:45.
    start = datetime(2027, 4, 8, 0, 0, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    confirm(incident, start=start, now=DAY0 + timedelta(hours=1))
    services.interview_attended(incident=incident, now=start + timedelta(minutes=50))
    nudge = Reminder.objects.get(incident=incident, kind=K.THANK_YOU)
    local = nudge.due_at.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (8, 0)
    assert [s.kind for s in send_due(start + timedelta(hours=2))] == []


def test_the_partner_is_never_copied_on_the_persons_reminder(user):
    user.profile.partner_email = "sam@example.net"
    user.profile.save()
    incident = recovering(user)
    confirm(incident, start=START, now=DAY0 + timedelta(hours=1))
    send_due(DAY0 + timedelta(hours=1))
    sent = send_due(START - timedelta(hours=24))
    day_before = of_kind(sent, K.BEFORE_24H)
    assert day_before.msg["Cc"] is None
    assert all("sam@example.net" not in str(s.msg["To"]) for s in sent)
    assert "partner" not in day_before.text()


def test_headers_reply_to_unsubscribe_name_threading_and_the_subject_encoding(user):
    user.profile.full_name = "Zoë Ünïcode"
    user.profile.save()
    incident = recovering(user, company="Überlange Firma GmbH & Co. KG, Abteilung " + "x" * 40)
    confirm(incident, start=START, now=DAY0 + timedelta(hours=1))
    sent = of_kind(send_due(DAY0 + timedelta(hours=1)), "interview_confirmed")
    msg = sent.msg
    assert msg["Reply-To"]
    assert msg["List-Unsubscribe"].startswith("<http") and msg["List-Unsubscribe"].endswith(">")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Zoë Ünïcode", user.email)
    assert msg["References"] == f"<incident.{incident.pk}@127.0.0.1>"
    raw = sent.django.message().as_bytes(linesep="\r\n")
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    subject = re.search(r"^Subject:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, flags=re.M).group(1)
    assert not subject.startswith("\r\n"), "the subject starts on its own line"
    words = re.findall(r"=\?utf-8\?[qb]\?[^?]*\?=", subject, flags=re.I)
    assert words and all(len(w) <= 75 for w in words)
    assert all(len(line) <= 78 for line in subject.split("\r\n"))


def test_html_reads_on_a_phone(user):
    incident = recovering(user)
    link = "https://meet.example/" + "a-very-long-meeting-identifier-" * 6
    confirm(incident, start=START, now=DAY0 + timedelta(hours=1), location=link)
    sent = of_kind(send_due(DAY0 + timedelta(hours=1)), "interview_confirmed")
    html = sent.html()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r'class="button"[^>]*href="' + re.escape(link), html) or re.search(
        r'href="' + re.escape(link) + r'"[^>]*class="button"', html)
    assert "word-break: break-word" in html  # the long link wraps
    assert "<pre" not in html
    done = recovering(user)
    confirm(done, start=START, now=DAY0 + timedelta(hours=1))
    services.interview_attended(incident=done, now=START + timedelta(minutes=50))
    nudge = of_kind(send_due(START + timedelta(hours=4)), K.THANK_YOU, done)  # 09:00 in Chicago
    assert "white-space: pre-wrap" in nudge.html() and "<pre" not in nudge.html()

"""Issue 15: the live calendar feed. Private, revocable token URL (https and webcal) answered
without a login; every agreed interview with its alarms and the called-off ones as cancelled,
each under its incident's one UID (a move updates it in place: same UID, higher SEQUENCE);
nothing beyond the company, the role and the times unless the person asks for the interviewer's
name; ETag / Last-Modified with 304 on a conditional GET; icalendar and khal read it."""

import os
import shutil
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from tests import scenarios
from tests.scenarios import START, confirm
from tracker.accounts import feed as feed_service
from tracker.incidents import services
from tracker.incidents.models import Contact
from tracker.incidents.selectors import situation_for

pytestmark = pytest.mark.django_db
NOW = START - timedelta(days=1)


def turn_on(user):
    return feed_service.feed_regenerate(profile=user.profile, now=NOW - timedelta(days=2))


def url(token):
    return reverse("calendar_feed", args=[token])


def fetch(client, token, **headers):
    with time_machine.travel(NOW, tick=False):
        return client.get(url(token), **headers)


def events(response):
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_no_feed_until_turned_on_and_an_unknown_token_is_404(client, user):
    scenarios.confirmed(user)
    assert user.profile.feed_token == ""
    assert fetch(client, "x" * 43).status_code == 404
    assert fetch(client, "short").status_code == 404


def test_feed_answers_without_login_with_the_interview_and_its_alarms(client, user):
    incident = scenarios.confirmed(user)
    token = turn_on(user)
    assert len(token) >= 43
    response = fetch(client, token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert "METHOD" not in cal  # a subscription, not an invite
    (event,) = events(response)
    assert str(event["UID"]) == f"incident-{incident.pk}-interview@127.0.0.1"
    assert event.decoded("DTSTART") == START
    assert str(event["STATUS"]) == "CONFIRMED"
    triggers = sorted(START + a.decoded("TRIGGER") for a in event.walk("VALARM"))
    # The alarms at the same instants as the emails (24 h and 1 h before), and 15 minutes.
    assert triggers == [
        START - timedelta(hours=24),
        START - timedelta(hours=1),
        START - timedelta(minutes=15),
    ]


def test_feed_leaks_nothing_beyond_company_role_and_times(client, user):
    incident = scenarios.confirmed(user)
    contact = Contact.objects.create(
        owner=user,
        name="Priya Raman",
        email="priya@acme.example",
        phone="+91 98765 43210",
        role=Contact.Role.INTERVIEWER,
    )
    confirm(
        incident,
        start=START,
        now=NOW - timedelta(days=1),
        interviewer=contact,
        location="https://meet.example/secret-room",
    )
    token = turn_on(user)
    body = fetch(client, token).content.decode()
    for secret in (
        "Priya",
        "priya@acme.example",
        "98765",
        "secret-room",
        user.email,
        "ORGANIZER",
        "ATTENDEE",
    ):
        assert secret not in body
    assert "Backend engineer at Acme" in body
    feed_service.feed_interviewer_set(profile=user.profile, show=True, now=NOW)
    body = fetch(client, token).content.decode()
    assert "Interviewer: Priya Raman" in body
    assert "priya@acme.example" not in body and "secret-room" not in body


def test_a_move_changes_the_event_in_place_and_a_call_off_marks_it_cancelled(client, user):
    incident = scenarios.confirmed(user)
    token = turn_on(user)
    (first,) = events(fetch(client, token))
    moved_to = START + timedelta(days=1)
    confirm(incident, start=moved_to, now=NOW - timedelta(hours=1))
    (moved,) = events(fetch(client, token))
    assert moved["UID"] == first["UID"]
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert moved.decoded("DTSTART") == moved_to
    services.reschedule_cancel(
        reschedule=situation_for(incident).current, now=NOW - timedelta(minutes=30)
    )
    (off,) = events(fetch(client, token))
    assert off["UID"] == first["UID"] and int(off["SEQUENCE"]) > int(moved["SEQUENCE"])
    assert str(off["STATUS"]) == "CANCELLED"
    assert off.walk("VALARM") == []


def test_regenerate_revokes_the_old_url_and_turning_off_revokes_it(client, user):
    scenarios.confirmed(user)
    old = turn_on(user)
    new = feed_service.feed_regenerate(profile=user.profile, now=NOW)
    assert new != old
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    feed_service.feed_revoke(profile=user.profile, now=NOW)
    assert fetch(client, new).status_code == 404


def test_conditional_get_gets_304_until_something_changes(client, user):
    # Every write at its own instant, as in production (auto_now follows the clock too).
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        incident = scenarios.confirmed(user)
        token = turn_on(user)
    first = fetch(client, token)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified
    assert fetch(client, token, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert fetch(client, token, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert fetch(client, token).content == first.content  # stable bytes, stable ETag
    with time_machine.travel(NOW - timedelta(minutes=5), tick=False):
        confirm(incident, start=START + timedelta(hours=2), now=NOW - timedelta(minutes=5))
    changed = fetch(client, token, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert fetch(client, token, HTTP_IF_MODIFIED_SINCE=modified).status_code == 200


def test_only_the_owners_interviews_are_in_their_feed(client, user, other_user):
    mine = scenarios.confirmed(user)
    scenarios.confirmed(other_user, start=START + timedelta(hours=5))
    token = turn_on(user)
    uids = {str(e["UID"]) for e in events(fetch(client, token))}
    assert uids == {f"incident-{mine.pk}-interview@127.0.0.1"}


def test_profile_page_offers_the_feed_and_its_buttons(client_for, user):
    client = client_for(user)
    page = client.get(reverse("profile")).content.decode()
    assert "Turn on my calendar feed" in page
    response = client.post(reverse("profile_feed"), {"action": "regenerate"})
    assert response.status_code == 302
    user.profile.refresh_from_db()
    token = user.profile.feed_token
    page = client.get(reverse("profile")).content.decode()
    links = feed_service.urls(user.profile)
    assert links.webcal.startswith("webcal://") and links.webcal.endswith(f"/calendar/{token}.ics")
    assert links.https.startswith("http") and links.https.endswith(f"/calendar/{token}.ics")
    assert links.webcal in page and links.https in page
    assert token in page
    client.post(reverse("profile_feed"), {"action": "interviewer_on"})
    user.profile.refresh_from_db()
    assert user.profile.feed_interviewer
    client.post(reverse("profile_feed"), {"action": "revoke"})
    user.profile.refresh_from_db()
    assert user.profile.feed_token == ""
    assert client.post(reverse("profile_feed"), {"action": "junk"}).status_code == 302


def test_the_feed_buttons_need_a_login(client):
    response = client.post(reverse("profile_feed"), {"action": "regenerate"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_khal_reads_the_feed_and_keeps_one_event_through_a_move(client, user, tmp_path):
    if shutil.which("khal") is None:
        pytest.fail(
            "khal is not installed: apt-get install -y khal (make system-deps)", pytrace=False
        )
    incident = scenarios.confirmed(user)
    token = turn_on(user)
    root = tmp_path / "khal"
    (root / "vdir").mkdir(parents=True)
    config = root / "khal.conf"
    config.write_text(
        f"[calendars]\n[[feed]]\npath = {root / 'vdir'}\ntype = calendar\n"
        f"[sqlite]\npath = {root / 'khal.db'}\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "local_timezone = UTC\ndefault_timezone = UTC\n[default]\ndefault_calendar = feed\n"
    )

    def khal(*args):
        done = subprocess.run(
            ["khal", "-c", str(config), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "HOME": str(root)},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def load_and_list(n):
        path = root / f"feed{n}.ics"
        path.write_bytes(fetch(client, token).content)
        khal("import", "--batch", "-a", "feed", str(path))
        out = khal(
            "list",
            "--format",
            "{start}|{title}|{cancelled}",
            "--day-format",
            "",
            "2026-03-01",
            "2026-03-12",
        )
        return [line for line in out.splitlines() if line.strip()]

    assert load_and_list(1) == ["2026-03-05 15:00|Interview: Backend engineer at Acme|"]
    confirm(incident, start=START + timedelta(days=1, hours=1), now=NOW - timedelta(hours=1))
    assert load_and_list(2) == ["2026-03-06 16:00|Interview: Backend engineer at Acme|"]
    services.reschedule_cancel(
        reschedule=situation_for(incident).current, now=NOW - timedelta(minutes=30)
    )
    (line,) = load_and_list(3)
    assert line.startswith("2026-03-06 16:00|Called off: Interview: Backend engineer at Acme|")
    assert "CANCELLED" in line


def test_an_interview_of_a_closed_incident_no_longer_rings(client, user):
    incident = scenarios.confirmed(user)
    token = turn_on(user)
    services.incident_close(incident=incident, outcome="moved_on", now=NOW - timedelta(hours=1))
    (event,) = events(fetch(client, token))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.walk("VALARM") == []
    services.incident_reopen(incident=incident, now=NOW - timedelta(minutes=30))
    (event,) = events(fetch(client, token))
    assert str(event["STATUS"]) == "CONFIRMED" and event.walk("VALARM")

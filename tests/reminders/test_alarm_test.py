"""Issue 15: the alarm self-test. "Test my alarms" makes a throwaway event 10 minutes ahead with
an alarm 5 minutes before it, in the .ics and in the feed; the person answers after the alarm;
only a test that rang ticks "Alarms on two devices" (never by hand); one that did not says what
to check."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from tests import scenarios
from tests.scenarios import T0
from tracker.accounts import feed as feed_service
from tracker.incidents import services
from tracker.incidents.models import Safeguard, TimelineEvent
from tracker.incidents.phases import TransitionRefused
from tracker.incidents.services.alarm_test import alarm_test_answer, alarm_test_start
from tracker.reminders import alarm_test

pytestmark = pytest.mark.django_db
NOW = T0 + timedelta(hours=3)


def alarms_guard(incident):
    return incident.safeguards.get(kind=Safeguard.Kind.DUPLICATE_ALARMS)


def test_start_makes_an_event_10_minutes_ahead_with_an_alarm_5_minutes_before(user):
    incident = scenarios.confirmed(user)
    alarm_test_start(incident=incident, now=NOW)
    incident.refresh_from_db()
    assert incident.alarm_test_at == NOW + timedelta(minutes=10)
    (event,) = Calendar.from_ical(alarm_test.ics_for(incident)).walk("VEVENT")
    assert event.decoded("DTSTART") == NOW + timedelta(minutes=10)
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].to_ical() == b"-PT5M"
    assert "Alarm test" in str(event["SUMMARY"])


def test_only_a_test_that_rang_ticks_the_alarms_safeguard(user):
    incident = scenarios.confirmed(user)
    guard = alarms_guard(incident)
    with pytest.raises(TransitionRefused):
        services.safeguard_set(safeguard=guard, done=True, now=NOW)
    alarm_test_start(incident=incident, now=NOW)
    with pytest.raises(TransitionRefused, match="not rung yet"):
        alarm_test_answer(incident=incident, rang=True, now=NOW + timedelta(minutes=2))
    alarm_test_answer(incident=incident, rang=True, now=NOW + timedelta(minutes=6))
    guard.refresh_from_db()
    assert guard.done_at == NOW + timedelta(minutes=6)
    # Unticking by hand stays possible; a failed test unticks it too.
    alarm_test_start(incident=incident, now=NOW + timedelta(minutes=20))
    alarm_test_answer(incident=incident, rang=False, now=NOW + timedelta(minutes=26))
    guard.refresh_from_db()
    assert guard.done_at is None
    messages = list(
        TimelineEvent.objects.filter(incident=incident, kind="alarm_test").values_list(
            "message", flat=True
        )
    )
    assert "Alarm self-test: it rang" in messages
    assert "Alarm self-test: it did not ring" in messages


def test_a_closed_incident_is_not_tested(user):
    incident = scenarios.confirmed(user)
    services.incident_close(incident=incident, outcome="moved_on", now=NOW)
    with pytest.raises(TransitionRefused):
        alarm_test_start(incident=incident, now=NOW)


def test_the_page_runs_the_test_through_its_buttons(client_for, user):
    incident = scenarios.confirmed(user)
    client = client_for(user)
    page_url = reverse("incident_detail", args=[incident.pk])
    with time_machine.travel(NOW, tick=False):
        page = client.get(page_url).content.decode()
        assert "Test my alarms" in page
        client.post(reverse("alarm_test_start", args=[incident.pk]))
        page = client.get(page_url).content.decode()
        assert "Wait for the alarm" in page
        incident.refresh_from_db()
        ics = client.get(alarm_test.ics_path(incident))
        assert ics.status_code == 200 and b"BEGIN:VALARM" in ics.content
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        page = client.get(page_url).content.decode()
        assert "It didn&#x27;t ring" in page or "It didn't ring" in page
        client.post(reverse("alarm_test_answer", args=[incident.pk]), {"result": "silent"})
        page = client.get(page_url).content.decode()
        assert "do-not-disturb" in page and "Notifications are allowed" in page
        client.post(reverse("alarm_test_answer", args=[incident.pk]), {"result": "junk"})
    with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
        client.post(reverse("alarm_test_answer", args=[incident.pk]), {"result": "rang"})
        page = client.get(page_url).content.decode()
        assert "✓ It rang" in page
        # The safeguard's own button refuses a tick by hand.
        guard = alarms_guard(incident)
        assert guard.done_at is not None
        client.post(reverse("safeguard_toggle", args=[guard.pk]), {})  # untick: allowed
        guard.refresh_from_db()
        assert guard.done_at is None
        response = client.post(
            reverse("safeguard_toggle", args=[guard.pk]), {"done": "on"}, follow=True
        )
        assert "Test my alarms" in response.content.decode()
        guard.refresh_from_db()
        assert guard.done_at is None


def test_the_ics_link_is_the_owners_and_the_current_tests_only(client_for, user, other_user):
    incident = scenarios.confirmed(user)
    alarm_test_start(incident=incident, now=NOW)
    incident.refresh_from_db()
    old = alarm_test.ics_path(incident)
    assert client_for(other_user).get(old).status_code == 404
    client = client_for(user)
    assert client.get(old).status_code == 200
    alarm_test_start(incident=incident, now=NOW + timedelta(minutes=15))
    assert client.get(old).status_code == 404
    assert client.get("/alarm-test/not-a-token.ics").status_code == 404


def test_the_feed_carries_the_test_event(client, user):
    incident = scenarios.confirmed(user)
    token = feed_service.feed_regenerate(profile=user.profile, now=NOW)
    alarm_test_start(incident=incident, now=NOW)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        body = client.get(reverse("calendar_feed", args=[token])).content
    events = Calendar.from_ical(body).walk("VEVENT")
    test = [e for e in events if "alarm-test" in str(e["UID"])]
    assert len(test) == 1 and test[0].decoded("DTSTART") == NOW + timedelta(minutes=10)
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        body = client.get(reverse("calendar_feed", args=[token])).content
    assert b"alarm-test" not in body

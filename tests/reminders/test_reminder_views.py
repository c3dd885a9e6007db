"""The reminders panel, the test-reminder button and the .ics download
(tracker/reminders/selectors.py, templates/web/_reminders_panel.html,
tracker/web/reminder_views.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from icalendar import Calendar

from tests.scenarios import START, T0, apologised, confirm, confirmed, logged
from tracker.incidents.selectors import situation_for
from tracker.reminders.models import Reminder
from tracker.reminders.selectors import reminders_panel

pytestmark = pytest.mark.django_db
NOW = T0 + timedelta(hours=2)


def render_panel(situation):
    """The panel as the incident page renders it: one query for the selector, none for the
    template."""
    request = RequestFactory().get("/")
    panel = reminders_panel(situation=situation)
    return render_to_string(
        "web/_reminders_panel.html", {"panel": panel, "csrf_token": "tok"}, request=request
    )


def test_panel_lists_every_reminder_with_due_time_in_the_persons_zone_and_reasons(
    user, django_assert_num_queries
):
    incident = apologised(user)
    confirm(incident, start=T0 + timedelta(hours=6), now=T0 + timedelta(hours=1))
    situation = situation_for(incident)
    with django_assert_num_queries(1):
        html = render_panel(situation)
    assert "24 hours before" in html and "1 hour before" in html
    assert "Interview confirmed" in html
    assert "(America/Chicago)" in html
    # Planned after its time but before its expiry: caught up, and the panel says so.
    assert "Planned after its usual time" in html and "sent at once" in html
    assert "You recorded your first outreach." in html
    assert reverse("incident_ics", args=[incident.pk]) in html
    assert "Send me a test reminder now" in html


def test_panel_without_an_interview_offers_no_ics(user):
    incident = logged(user)
    html = render_panel(situation_for(incident))
    assert "First-hour nudge" in html
    assert "interview.ics" not in html


def test_panel_shows_a_failed_reminders_error(user):
    incident = confirmed(user)
    Reminder.objects.filter(incident=incident, kind="before_1h").update(
        status="failed", last_error="SMTP 550 5.1.1 No such user"
    )
    assert "SMTP 550 5.1.1 No such user" in render_panel(situation_for(incident))


def test_test_reminder_button_queues_one_and_returns_to_the_panel(client, user):
    incident = confirmed(user)
    client.force_login(user)
    url = reverse("reminder_test", args=[incident.pk])
    with time_machine.travel(NOW, tick=False):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].endswith(f"/incidents/{incident.pk}/#reminders")
        again = client.post(url, follow=True)
    assert Reminder.objects.filter(incident=incident, kind="test").count() == 1
    assert "give it a minute" in again.content.decode()


def test_test_reminder_needs_post_and_ownership(client, user, other_user):
    incident = confirmed(user)
    url = reverse("reminder_test", args=[incident.pk])
    client.force_login(other_user)
    assert client.post(url).status_code == 404
    client.force_login(user)
    assert client.get(url).status_code == 405


def test_ics_download_of_the_confirmed_interview(client, user, other_user):
    incident = confirmed(user)
    url = reverse("incident_ics", args=[incident.pk])
    assert url == f"/incidents/{incident.pk}/interview.ics"
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert 'filename="interview-acme.ics"' in response["Content-Disposition"]
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(START.tzinfo) == START
    client.force_login(other_user)
    assert client.get(url).status_code == 404


def test_panel_says_which_reminder_was_skipped_past_its_expiry_and_which_is_caught_up(user):
    incident = apologised(user)
    confirm(incident, start=T0 + timedelta(minutes=110), now=T0 + timedelta(hours=1))
    html = render_panel(situation_for(incident))
    assert "Skipped" in html and "already due when it was planned" in html  # 24 h before
    assert "Planned after its usual time" in html  # 1 hour before, 50 minutes ahead


def test_ics_download_after_a_call_off_is_the_cancelled_event(client, user):
    from tracker.incidents import services

    incident = confirmed(user)
    first = Calendar.from_ical(
        (client.force_login(user), client.get(reverse("incident_ics", args=[incident.pk])))[1]
        .content
    ).walk("VEVENT")[0]
    services.reschedule_cancel(reschedule=situation_for(incident).current,
                               now=T0 + timedelta(hours=3))
    response = client.get(reverse("incident_ics", args=[incident.pk]))
    assert response.status_code == 200
    assert "method=CANCEL" in response["Content-Type"]
    cal = Calendar.from_ical(response.content)
    (event,) = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert event["UID"] == first["UID"]
    assert event.decoded("SEQUENCE") > first.decoded("SEQUENCE")
    assert event.walk("VALARM") == []
    assert "Remove the called-off interview" in render_panel(situation_for(incident))


def test_ics_download_is_404_before_an_interview_is_confirmed(client, user):
    incident = logged(user)
    client.force_login(user)
    assert client.get(reverse("incident_ics", args=[incident.pk])).status_code == 404

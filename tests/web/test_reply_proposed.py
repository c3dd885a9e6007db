"""Issue 11, one way to record their reply: accepted (which slot), declined, no response, or
"they proposed another time", which leads to writing that time down as the confirmed interview
(the reply is then recorded as accepted)."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.web.conftest import walked_incident
from tracker.incidents.models import Reschedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(client, user, clock):
    client.force_login(user)
    return user


def test_the_reply_form_offers_every_reply_in_one_list(client, person):
    objs = walked_incident(person)
    html = client.get(reverse("reschedule_reply", args=[objs["reschedule"].pk])).content.decode()
    for label in ("Accepted", "Declined", "No response", "They proposed another time"):
        assert label in html


def test_they_proposed_another_time_leads_to_confirming_it(client, person):
    objs = walked_incident(person)
    reschedule = objs["reschedule"]
    response = client.post(
        reverse("reschedule_reply", args=[reschedule.pk]), {"reply": "proposed_other"},
        follow=True,
    )
    confirm = reverse("reschedule_confirm", args=[objs["incident"].pk])
    assert response.redirect_chain[-1][0] == confirm
    html = response.content.decode()
    assert "Write down the time they proposed" in html
    reschedule.refresh_from_db()
    assert reschedule.reply == Reschedule.Reply.PENDING  # nothing recorded yet

    client.post(confirm, {"start": "2026-03-06T16:00", "start_time": "16:00",
                          "time_zone": "Europe/Berlin", "duration_minutes": "45",
                          "format": "video"})
    reschedule.refresh_from_db()
    assert reschedule.reply == Reschedule.Reply.ACCEPTED
    assert reschedule.confirmed_at is not None
    assert reschedule.start == datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


def test_a_junk_reply_is_refused_on_the_form(client, person):
    objs = walked_incident(person)
    response = client.post(
        reverse("reschedule_reply", args=[objs["reschedule"].pk]), {"reply": "maybe"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    objs["reschedule"].refresh_from_db()
    assert objs["reschedule"].reply == Reschedule.Reply.PENDING


def test_times_for_them_start_in_the_interviewers_own_zone_when_known(client, person):
    """Issue 11, zones that can't trap: prefilled from the contact when known."""
    from tests.web.conftest import NOW, log_incident
    from tracker.incidents import services

    incident = log_incident(person, interview_tz="Europe/Berlin", contact_name="", contact_email="")
    confirm = reverse("reschedule_confirm", args=[incident.pk])
    request = reverse("reschedule_request", args=[incident.pk])
    def zones_offered(url):
        html = client.get(url).content.decode()
        return set(re.findall(r'name="(?:slots-\d+-)?time_zone" value="([^"]*)"', html))

    assert zones_offered(confirm) == zones_offered(request) == {"Europe/Berlin"}
    services.contact_save(owner=person, incident=incident, name="Priya Raman",
                          role="interviewer", time_zone="Asia/Kolkata", now=NOW)
    assert zones_offered(confirm) == zones_offered(request) == {"Asia/Kolkata"}

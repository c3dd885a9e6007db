"""Issue 11: help before the account. A visitor gets the phone script, the voicemail and the
apology email without an account; what they typed becomes their incident at sign-up, and the
name asked on the sign-up page signs the drafts. Zones: a city or a country resolves to its IANA
zone, the log form asks the interview's zone instead of defaulting to the person's."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_up_data
from tests.web.conftest import NOW
from tracker.incidents.models import Incident
from tracker.web import visitor, zone_search

pytestmark = pytest.mark.django_db

MISSED = (NOW - timedelta(minutes=40)).astimezone()


def visitor_data(**overrides):
    """The front page's form, as a visitor sends it: Maria Lopez missed Priya Raman's interview
    with Acme through a time-zone error, then `overrides`."""
    return {
        "full_name": "Maria Lopez", "company": "Acme", "role": "Backend engineer",
        "contact_name": "Priya Raman", "cause": "timezone",
        "interview_at": "2026-03-02T19:30", "interview_tz": "Asia/Kolkata",  # 14:00 UTC
        "candidate_tz": "America/Chicago",
        **overrides,
    }


def test_a_visitor_on_the_front_page_gets_the_start_form_not_a_login_wall(client, clock):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "I just missed an interview" in html
    assert f'action="{reverse("visitor_start")}"' in html
    for name in (
        "full_name",
        "company",
        "role",
        "contact_name",
        "interview_at",
        "interview_tz",
        "cause",
    ):
        assert f'name="{name}"' in html
    # The visitor's own zone is not asked: the browser's is taken (web/zones.js).
    assert '<input type="hidden" name="candidate_tz"' in html


def test_the_visitor_gets_the_three_first_hour_drafts_at_once(client, clock):
    response = client.post(reverse("visitor_start"), visitor_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("visitor_drafts")
    html = client.get(reverse("visitor_drafts")).content.decode()
    script = html.split('data-draft="phone_script">', 1)[1].split("</div>", 1)[0]
    assert "Hello, this is Maria Lopez. Could I speak with Priya Raman, please?" in script
    assert "the Backend engineer role at Acme" in script
    assert 'data-draft="voicemail"' in html and "Hello Priya Raman, this is Maria Lopez" in html
    assert "Maria Lopez: missed interview for the Backend engineer role" in html
    assert "Dear Priya Raman," in html
    # The time named in the interviewer's zone, and the path to keep it.
    assert "Kolkata" in html
    assert reverse("signup") in html
    # No draft leaves a blank to fill in.
    assert "[" not in script and "{" not in script


def test_the_drafts_page_without_a_visit_sends_back_to_the_start(client):
    response = client.get(reverse("visitor_drafts"))
    assert response.status_code == 302 and response["Location"] == reverse("visitor_start")


def test_a_junk_session_value_reads_as_no_visit(client):
    session = client.session
    session[visitor.SESSION_KEY] = {"company": "Acme", "interview_at": "not a time"}
    session.save()
    assert client.get(reverse("visitor_drafts"))["Location"] == reverse("visitor_start")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("interview_tz", "Atlantis", "is not a time zone we know"),
        ("interview_at", "2026-03-03T19:30", "more than 12 hours from now"),
        ("cause", "", "This field is required"),
        ("company", "A" * 500, "at most 120 characters (it has 500)"),
    ],
)
def test_the_start_form_refuses_bad_input_with_a_message_and_keeps_it(
    client, clock, field, value, message
):
    response = client.post(reverse("visitor_start"), visitor_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert visitor.SESSION_KEY not in client.session


def test_the_start_form_takes_a_city_for_the_zone(client, clock):
    client.post(reverse("visitor_start"), visitor_data(interview_tz="kolkata"))
    assert client.session[visitor.SESSION_KEY]["interview_tz"] == "Asia/Kolkata"


def test_a_dst_gap_on_the_start_form_suggests_the_valid_time(client, clock):
    # 2025-03-09 02:30 does not exist in New York (clocks jump from 02:00 to 03:00).
    response = client.post(
        reverse("visitor_start"),
        visitor_data(interview_at="2025-03-09T02:30", interview_tz="America/New_York"),
    )
    html = response.content.decode()
    assert "does not exist in America/New_York" in html
    assert "Did you mean 03:30?" in html


def test_sign_up_turns_the_visit_into_the_first_incident_and_keeps_the_name(client, clock):
    client.post(reverse("visitor_start"), visitor_data())
    signup_page = client.get(reverse("signup")).content.decode()
    # The name typed before is offered, the name is asked on the one sign-up page.
    assert 'name="full_name"' in signup_page and 'value="Maria Lopez"' in signup_page
    response = client.post(reverse("signup"), sign_up_data(time_zone="America/Chicago"))
    assert response.status_code == 302
    user = get_user_model().objects.get(email="maria@example.com")
    assert user.profile.full_name == "Maria Lopez"
    incident = Incident.objects.get(owner=user)
    assert (incident.company, incident.role, incident.cause) == (
        "Acme",
        "Backend engineer",
        "timezone",
    )
    assert (incident.interview_tz, incident.candidate_tz) == ("Asia/Kolkata", "America/Chicago")
    assert incident.interview_at == NOW - timedelta(minutes=30)
    assert incident.discovered_at == NOW
    assert incident.phase == "contain"
    assert [c.name for c in incident.contacts.all()] == ["Priya Raman"]
    assert visitor.SESSION_KEY not in client.session


def test_sign_up_without_a_visit_makes_no_incident(client, clock):
    client.post(reverse("signup"), sign_up_data())
    user = get_user_model().objects.get(email="maria@example.com")
    assert user.profile.full_name == "Maria Lopez"
    assert not Incident.objects.filter(owner=user).exists()


def test_sign_up_refuses_without_a_name(client):
    response = client.post(reverse("signup"), sign_up_data(full_name=""))
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_drafts_after_sign_up_never_stop_to_ask_the_name(client, clock):
    from tests.accounts.helpers import confirm_email

    client.post(reverse("visitor_start"), visitor_data())
    client.post(reverse("signup"), sign_up_data())
    confirm_email(client, "maria@example.com")
    incident = Incident.objects.get()
    html = client.get(reverse("draft", args=[incident.pk, "phone_script"])).content.decode()
    assert "Your full name, to sign the message." not in html
    assert "Hello, this is Maria Lopez." in html


def test_a_logged_in_person_on_the_start_page_goes_to_their_own_log_form(user_client):
    assert user_client.get(reverse("visitor_start"))["Location"] == reverse("incident_log")


# --- Zones that can't trap ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("India", "Asia/Kolkata"),
        ("Calcutta", "Asia/Kolkata"),
        ("Kiev", "Europe/Kyiv"),
        ("são paulo", "America/Sao_Paulo"),
    ],
)
def test_a_city_or_a_country_resolves_to_its_zone(typed, zone):
    assert zone_search.resolve(typed) == zone
    assert zone in [m.zone for m in zone_search.search(typed)]


def test_a_country_with_several_zones_is_listed_not_guessed():
    assert zone_search.resolve("United States") is None
    found = [m.zone for m in zone_search.search("United States")]
    assert "America/Chicago" in found and len(found) == zone_search.LIMIT


def test_the_zone_search_answers_json_to_anyone():
    response = Client().get(reverse("zone_search"), {"q": "berlin"})
    assert response.status_code == 200
    results = json.loads(response.content)["results"]
    assert results[0] == {
        "zone": "Europe/Berlin",
        "city": "Berlin",
        "country": "Germany",
        "label": "Berlin, Germany (Europe/Berlin)",
    }
    assert json.loads(Client().get(reverse("zone_search"), {"q": "x" * 5000}).content) == {
        "results": []
    }


def test_the_log_form_asks_the_interviews_zone_instead_of_defaulting_to_yours(user_client, user):
    user.profile.time_zone = "Asia/Kolkata"
    user.profile.save()
    html = user_client.get(reverse("incident_log")).content.decode()
    interview_tz = html.split('name="interview_tz"', 1)[1].split(">", 1)[0]
    assert "value=" not in interview_tz
    candidate_tz = html.split('name="candidate_tz"', 1)[1].split(">", 1)[0]
    assert 'value="Asia/Kolkata"' in candidate_tz
    # The time names its zone and the other one, for the live conversion (web/zones.js).
    assert 'data-zone-preview="interview_tz"' in html
    assert 'data-other-zone-field="candidate_tz"' in html


def test_an_ambiguous_place_is_refused_with_the_candidates(user_client, clock):
    from tests.web.test_forms import log_data

    response = user_client.post(reverse("incident_log"), {**log_data(), "interview_tz": "Germany"})
    html = response.content.decode()
    assert "could be one of several time zones" in html
    assert "Berlin, Germany (Europe/Berlin)" in html


@pytest.mark.parametrize(
    "payload", ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "{{7*7}}"]
)
def test_what_a_visitor_typed_is_shown_escaped(client, clock, payload):
    client.post(reverse("visitor_start"),
                visitor_data(company=f"Acme {payload}", contact_name=f"Priya {payload}"))
    html = client.get(reverse("visitor_drafts")).content.decode()
    assert payload not in html or payload == "{{7*7}}"
    if payload == "{{7*7}}":
        assert "Acme {{7*7}}" in html  # shown as typed, never evaluated
    else:
        assert "&lt;" in html
    assert "<script>alert" not in html

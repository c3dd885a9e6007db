"""Bad input re-renders the form with a clear message and what was typed; nothing is a 500.

The time-zone cases: 02:30 on 2025-03-30 does not exist in Europe/Berlin (clocks jump from
02:00 to 03:00); 02:30 on 2025-10-26 happens twice there (CEST, then CET).
"""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.web.conftest import NOW, log_incident, slot_data, walked_incident
from tracker.incidents import services
from tracker.incidents.models import Incident, Reschedule

pytestmark = pytest.mark.django_db

CHECKED_ACCEPTED = re.compile(r'<input[^>]*value="accepted"[^>]*checked')


def log_data(**overrides):
    """The log form's POST: a video interview with Acme at 09:00 in Berlin missed through a
    time-zone error by a person in Chicago, then `overrides`."""
    return {
        "company": "Acme", "role": "Backend engineer", "format": "video", "cause": "timezone",
        "interview_at": "2026-03-02T09:00", "interview_tz": "Europe/Berlin",
        "candidate_tz": "America/Chicago",
        **overrides,
    }


@pytest.fixture
def person(client, user, clock):
    client.force_login(user)
    return user


def post_log(client, **overrides):
    return client.post(reverse("incident_log"), log_data(**overrides))


def test_log_form_asks_the_interviews_zone_and_defaults_only_yours(client, person):
    # Issue 11: defaulting the interview's zone to the person's own is the trap of a time-zone
    # slip; it is asked, empty, and the person's zone comes from the profile.
    html = client.get(reverse("incident_log")).content.decode()
    assert re.search(r'<input type="text" name="interview_tz"(?![^>]*value=)[^>]*required', html)
    assert 'name="candidate_tz" value="America/Chicago"' in html
    assert '<datalist id="iana-zones">' in html
    assert '<option value="Europe/Berlin">' in html


def test_logging_creates_the_incident_and_redirects_to_its_page(client, person):
    response = post_log(client, contact_name="Priya", contact_email="priya@acme.example")
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incident_detail", args=[incident.pk])
    assert incident.interview_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert incident.discovered_at == NOW
    assert incident.contacts.get().email == "priya@acme.example"
    page = client.get(response["Location"]).content.decode()
    assert "Logged. The first hour counts" in page


@pytest.mark.parametrize(
    ("field", "value", "messages"),
    [
        # A local time that does not exist: the message names the gap.
        ("interview_at", "2025-03-30T02:30",
         ["2025-03-30 02:30 does not exist in Europe/Berlin", "clocks jump from 02:00 to 03:00"]),
        ("interview_tz", "Mars/Olympus_Mons", ["“Mars/Olympus_Mons” is not a time zone we know"]),
    ],
    ids=["nonexistent local time", "unknown zone"],
)
def test_a_refused_time_or_zone_says_why_and_keeps_the_input(
    client, person, field, value, messages
):
    response = post_log(client, **{field: value})
    html = response.content.decode()
    assert response.status_code == 200
    for message in messages:
        assert message in html
    # What was typed stays: the date and the 24-hour time in their boxes (issue 11).
    typed = value.split("T") if field == "interview_at" else [value]
    assert all(f'value="{v}"' in html for v in typed) and 'value="Acme"' in html
    assert not Incident.objects.exists()


def test_ambiguous_local_time_asks_which_then_takes_the_choice(client, person):
    response = post_log(client, interview_at="2025-10-26T02:30", company="Initech")
    html = response.content.decode()
    assert response.status_code == 200
    assert "happens twice in Europe/Berlin" in html
    assert 'type="radio"' in html
    assert 'name="which" value="+02:00"' in html and 'name="which" value="+01:00"' in html
    assert 'value="Initech"' in html and 'value="2025-10-26"' in html and 'value="02:30"' in html
    assert not Incident.objects.exists()

    response = post_log(client, interview_at="2025-10-26T02:30", company="Initech", which="+01:00")
    assert response.status_code == 302
    # The second 02:30 (CET, UTC+1) is 01:30 UTC.
    assert Incident.objects.get().interview_at == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)


def test_ambiguous_time_first_occurrence_is_the_summer_offset(client, person):
    post_log(client, interview_at="2025-10-26T02:30", which="+02:00")
    assert Incident.objects.get().interview_at == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)


def test_a_stale_which_for_another_zone_asks_again(client, person):
    response = post_log(client, interview_at="2025-10-26T02:30", which="+05:30")
    assert "happens twice" in response.content.decode()
    assert not Incident.objects.exists()


def test_zone_spelling_is_forgiven(client, person):
    post_log(client, interview_tz="europe/berlin", candidate_tz="America/New York")
    incident = Incident.objects.get()
    assert (incident.interview_tz, incident.candidate_tz) == ("Europe/Berlin", "America/New_York")


def test_over_long_text_is_refused_and_kept(client, person):
    long_name = "A" * 121
    response = post_log(client, company=long_name)
    html = response.content.decode()
    assert response.status_code == 200
    assert "at most 120 characters (it has 121)" in html
    assert f'value="{long_name}"' in html
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001-01-01T00:30", "Enter a date between 2000 and 2100."),
        ("9999-12-31T23:59", "Enter a date between 2000 and 2100."),
        ("yesterday at noon", "Enter a date and time"),
        ("2026-13-45T25:99", "Enter a date and time"),
    ],
)
def test_impossible_dates_get_a_message_not_a_500(client, person, value, message):
    response = post_log(client, interview_at=value)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_interview_far_in_the_future_is_refused(client, person):
    response = post_log(client, interview_at="2026-03-09T09:00")
    assert "more than 12 hours from now" in response.content.decode()
    assert not Incident.objects.exists()


def test_missing_required_fields_each_get_a_message(client, person):
    response = client.post(reverse("incident_log"), {"company": "Acme"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("This field is required.") >= 4
    assert 'value="Acme"' in html


# --- Reschedule request ------------------------------------------------------------------


def request_data(**overrides):
    return slot_data(
        ("2026-03-04T10:00", "Europe/Berlin"),
        ("2026-03-05T10:00", "Asia/Kolkata"),
        ("", "Europe/Berlin"),
        **overrides,
    )


@pytest.fixture
def correct_incident(person):
    incident = log_incident(person)
    services.outreach_record(incident=incident, channel="email", result="sent", now=NOW)
    return incident


def test_reschedule_request_with_two_slots_each_with_its_zone(client, correct_incident):
    url = reverse("reschedule_request", args=[correct_incident.pk])
    response = client.post(url, request_data())
    assert response.status_code == 302
    slots = list(Reschedule.objects.get().slots.all())
    assert [(s.start, s.time_zone) for s in slots] == [
        (datetime(2026, 3, 4, 9, 0, tzinfo=UTC), "Europe/Berlin"),
        (datetime(2026, 3, 5, 4, 30, tzinfo=UTC), "Asia/Kolkata"),
    ]


def test_slot_in_the_past_is_refused_and_input_kept(client, correct_incident):
    url = reverse("reschedule_request", args=[correct_incident.pk])
    response = client.post(url, request_data(**{"slots-0-start": "2026-03-01T10:00"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "That time is already past" in html
    assert ('value="2026-03-01"' in html
            and 'value="10:00"' in html
            and 'value="2026-03-05"' in html
            and 'value="10:00"' in html)
    assert not Reschedule.objects.exists()


def test_nonexistent_slot_time_is_refused(client, person):
    incident = log_incident(person)
    services.outreach_record(incident=incident, channel="email", result="sent", now=NOW)
    url = reverse("reschedule_request", args=[incident.pk])
    with_gap = request_data(
        **{"slots-1-start": "2026-03-29T02:30", "slots-1-time_zone": "Europe/Berlin"}
    )
    html = client.post(url, with_gap).content.decode()
    assert "2026-03-29 02:30 does not exist in Europe/Berlin" in html
    assert not Reschedule.objects.exists()


def test_ambiguous_slot_asks_which_then_takes_the_choice(client, correct_incident):
    url = reverse("reschedule_request", args=[correct_incident.pk])
    ambiguous = request_data(
        **{"slots-1-start": "2026-10-25T02:30", "slots-1-time_zone": "Europe/Berlin"}
    )
    html = client.post(url, ambiguous).content.decode()
    assert "2026-10-25 02:30 happens twice in Europe/Berlin" in html
    assert 'name="slots-1-which" value="+01:00"' in html
    assert not Reschedule.objects.exists()
    response = client.post(url, {**ambiguous, "slots-1-which": "+01:00"})
    assert response.status_code == 302
    assert Reschedule.objects.get().slots.last().start == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_unknown_slot_zone_and_duplicate_slots_are_refused(client, correct_incident):
    url = reverse("reschedule_request", args=[correct_incident.pk])
    html = client.post(url, request_data(**{"slots-1-time_zone": "Nowhere/Land"})).content.decode()
    assert "“Nowhere/Land” is not a time zone we know" in html
    same = request_data(
        **{"slots-1-start": "2026-03-04T10:00", "slots-1-time_zone": "Europe/Berlin"}
    )
    assert "Two proposed slots are the same time." in client.post(url, same).content.decode()
    assert not Reschedule.objects.exists()


def test_only_one_slot_is_refused(client, correct_incident):
    url = reverse("reschedule_request", args=[correct_incident.pk])
    response = client.post(url, request_data(**{"slots-1-start": ""}))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_three_slots_are_accepted(client, correct_incident):
    url = reverse("reschedule_request", args=[correct_incident.pk])
    client.post(url, request_data(**{"slots-2-start": "2026-03-06T16:00"}))
    assert Reschedule.objects.get().slots.count() == 3


# --- Reply, confirmation, closed incidents ---------------------------------------------------


def test_reply_on_a_closed_incident_is_refused_with_a_message(client, person):
    objs = walked_incident(person)
    services.incident_close(incident=objs["incident"], outcome="moved_on", now=NOW)
    url = reverse("reschedule_reply", args=[objs["reschedule"].pk])
    response = client.post(url, {"reply": "accepted", "slot": objs["slot"].pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This incident is closed; reopen it to record a reply." in html
    assert CHECKED_ACCEPTED.search(html)


def test_accepted_reply_without_a_slot_asks_which(client, person):
    objs = walked_incident(person)
    response = client.post(
        reverse("reschedule_reply", args=[objs["reschedule"].pk]), {"reply": "accepted"}
    )
    assert "Say which of the proposed slots they accepted." in response.content.decode()
    assert Reschedule.objects.get().reply == "pending"


def test_confirm_form_is_prefilled_from_the_accepted_slot(client, person):
    objs = walked_incident(person)
    services.reschedule_reply(
        reschedule=objs["reschedule"], reply="accepted", accepted_slot=objs["slot"], now=NOW
    )
    html = client.get(reverse("reschedule_confirm", args=[objs["incident"].pk])).content.decode()
    # The slot is NOW + 2 days = 2026-03-04 14:30 UTC = 20:00 in Asia/Kolkata.
    assert 'value="2026-03-04"' in html and 'value="20:00"' in html
    assert 'value="Asia/Kolkata"' in html


def test_confirm_in_the_past_or_in_a_gap_is_refused(client, person):
    objs = walked_incident(person)
    url = reverse("reschedule_confirm", args=[objs["incident"].pk])
    base = {"time_zone": "Europe/Berlin", "duration_minutes": "45", "format": "video"}
    html = client.post(url, {**base, "start": "2026-03-01T10:00"}).content.decode()
    assert "That time is already past" in html
    html = client.post(url, {**base, "start": "2026-03-29T02:15"}).content.decode()
    assert "does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00" in html
    html = client.post(url, {**base, "start": "2026-10-25T02:15"}).content.decode()
    assert "happens twice" in html and 'name="which"' in html
    assert not Reschedule.objects.filter(confirmed_at__isnull=False).exists()
    response = client.post(url, {**base, "start": "2026-10-25T02:15", "which": "+02:00"})
    assert response.status_code == 302
    confirmed = Reschedule.objects.get(confirmed_at__isnull=False)
    assert confirmed.start == datetime(2026, 10, 25, 0, 15, tzinfo=UTC)


def test_refused_transition_on_a_button_is_a_message_not_a_500(client, person):
    objs = walked_incident(person)
    response = client.post(
        reverse("interview_attended", args=[objs["incident"].pk]), follow=True
    )
    assert response.status_code == 200
    assert "Confirm the rescheduled interview first." in response.content.decode()


def test_close_shows_what_is_missing_when_refused(client, person):
    objs = walked_incident(person)
    response = client.post(
        reverse("incident_close", args=[objs["incident"].pk]), {"outcome": "recovered"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Attend the rescheduled interview first." in html
    assert Incident.objects.get().phase == "correct"


@pytest.mark.parametrize(
    ("url_name", "data", "message"),
    [
        ("lessons", {"lessons": "x" * 5001}, "at most 5000 characters"),
        ("material_add", {"description": "y" * 201}, "at most 200 characters"),
        ("material_add", {"description": "Deck", "due_on": "31/02/2026"}, "Enter a valid date"),
        ("contact_add", {"name": "z" * 121, "role": "hr", "preferred_channel": "any"},
         "at most 120 characters"),
        ("contact_add", {"name": "Sam", "role": "hr", "preferred_channel": "any",
                         "time_zone": "Atlantis/Capital"}, "is not a time zone we know"),
        ("outreach_add", {"channel": "call", "purpose": "apology", "result": "reached",
                          "text": "w" * 10001}, "at most 10000 characters"),
        ("outreach_add", {"channel": "fax", "purpose": "apology", "result": "reached"},
         "Select a valid choice"),
    ],
)
def test_bad_values_re_render_with_a_message_and_the_input(client, person, url_name, data, message):
    objs = walked_incident(person)
    response = client.post(reverse(url_name, args=[objs["incident"].pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    first_value = next(v for v in data.values() if v and len(v) > 3)
    assert first_value in html


@pytest.mark.parametrize(
    ("minutes_ago", "message"),
    [
        # In the future: the form refuses it.
        ("-30", "Ensure this value is greater than or equal to 0."),
        # Before the miss was discovered: the service refuses it.
        ("600", "That is before the miss was discovered."),
    ],
    ids=["in the future", "before discovery"],
)
def test_outreach_at_an_impossible_time_is_a_message(client, person, minutes_ago, message):
    objs = walked_incident(person)
    response = client.post(
        reverse("outreach_add", args=[objs["incident"].pk]),
        {"channel": "call", "purpose": "follow_up", "result": "reached",
         "minutes_ago": minutes_ago},
    )
    assert message in response.content.decode()


def test_huge_ids_are_404_not_500(client, person):
    response = client.get(reverse("incident_detail", args=[2**70]))
    assert response.status_code == 404
    assert client.post(reverse("safeguard_toggle", args=[2**70])).status_code == 404


def test_slot_after_the_spring_change_gets_the_summer_offset(client, correct_incident):
    url = reverse("reschedule_request", args=[correct_incident.pk])
    berlin = {"slots-1-start": "2026-03-30T10:00", "slots-1-time_zone": "Europe/Berlin"}
    client.post(url, request_data(**berlin))
    slot = Reschedule.objects.get().slots.last()
    assert slot.start == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # CEST, UTC+2

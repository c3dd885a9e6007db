"""'Edit details': the owner corrects an incident's facts after logging it; the interview time
is typed as a wall time in its zone (gaps refused, doubled times asked about), a closed incident
is refused until reopened, and another person gets a 404."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.web.conftest import NOW, log_incident
from tracker.incidents import services
from tracker.incidents.models import TimelineEvent

pytestmark = pytest.mark.django_db


def edit_data(**overrides):
    data = {
        "company": "Acme",
        "role": "Backend engineer",
        "interview_at": "2026-03-02T19:30",  # 14:00 UTC in Kolkata
        "interview_tz": "Asia/Kolkata",
        "candidate_tz": "America/Chicago",
        "format": "video",
        "cause": "timezone",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def incident(user, clock):
    return log_incident(user)


def test_edit_page_is_prefilled_with_the_interview_as_local_wall_time(client_for, user, incident):
    response = client_for(user).get(reverse("incident_edit", args=[incident.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["interview_at"].value() == "2026-03-02T19:30"
    assert form["interview_tz"].value() == "Asia/Kolkata"
    assert form["company"].value() == "Acme"
    html = response.content.decode()
    assert 'value="2026-03-02"' in html and 'value="19:30"' in html
    assert 'id="iana-zones"' in html


def test_incident_page_links_to_edit_details(client_for, user, incident):
    html = client_for(user).get(reverse("incident_detail", args=[incident.pk])).content.decode()

    assert reverse("incident_edit", args=[incident.pk]) in html
    assert "Edit details" in html


def test_owner_edits_company_and_time_and_sees_both_zones(client_for, user, incident):
    client = client_for(user)
    url = reverse("incident_edit", args=[incident.pk])

    response = client.post(
        url, edit_data(company="Globex", interview_at="2026-03-02T09:00",
                       interview_tz="Europe/Berlin", notes="Ask for Sam"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("incident_detail", args=[incident.pk])
    incident.refresh_from_db()
    assert incident.company == "Globex"
    assert incident.interview_tz == "Europe/Berlin"
    assert incident.interview_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert incident.notes == "Ask for Sam"
    event = TimelineEvent.objects.filter(incident=incident, kind="edited").get()
    assert "company" in event.message and "interview_at" in event.message
    page = client.get(response["Location"]).content.decode()
    assert "Details saved." in page
    assert "Globex" in page
    assert "09:00" in page and "Europe/Berlin" in page  # their zone
    assert "02:00" in page and "America/Chicago" in page  # the person's zone


def test_a_time_in_the_spring_forward_gap_is_refused_naming_the_gap(client_for, user, incident):
    response = client_for(user).post(
        reverse("incident_edit", args=[incident.pk]),
        edit_data(interview_at="2025-03-09T02:30", interview_tz="America/Chicago"),
    )

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["interview_at"])
    assert "02:00" in errors and "03:00" in errors
    assert ('value="2025-03-09"' in response.content.decode()  # kept what was typed
            and 'value="02:30"' in response.content.decode())
    incident.refresh_from_db()
    assert incident.interview_tz == "Asia/Kolkata"
    assert not TimelineEvent.objects.filter(incident=incident, kind="edited").exists()


def test_a_time_that_happens_twice_asks_which_then_saves_the_chosen_one(
    client_for, user, incident
):
    client = client_for(user)
    url = reverse("incident_edit", args=[incident.pk])
    data = edit_data(interview_at="2025-11-02T01:30", interview_tz="America/Chicago")

    asked = client.post(url, data)

    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Which one do you mean?" in html
    assert 'value="-05:00"' in html and 'value="-06:00"' in html
    incident.refresh_from_db()
    assert incident.interview_tz == "Asia/Kolkata"

    saved = client.post(url, {**data, "which": "-06:00"})

    assert saved.status_code == 302
    incident.refresh_from_db()
    assert incident.interview_at == datetime(2025, 11, 2, 7, 30, tzinfo=UTC)


def test_saving_a_doubled_time_unchanged_keeps_the_one_it_was(client_for, user, clock):
    second = datetime(2025, 11, 2, 7, 30, tzinfo=UTC)  # 01:30 CST, the second 01:30
    incident = log_incident(user, interview_at=second, interview_tz="America/Chicago",
                            discovered_at=NOW)
    client = client_for(user)
    url = reverse("incident_edit", args=[incident.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    response = client.post(url, {**data, "company": "Globex"})

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.interview_at == second
    assert incident.company == "Globex"


def test_an_unknown_zone_is_refused_keeping_what_was_typed(client_for, user, incident):
    response = client_for(user).post(
        reverse("incident_edit", args=[incident.pk]),
        edit_data(company="Globex", interview_tz="Atlantis/Capital"),
    )

    assert response.status_code == 200
    assert "is not a time zone we know" in " ".join(response.context["form"].errors["interview_tz"])
    assert 'value="Globex"' in response.content.decode()
    incident.refresh_from_db()
    assert incident.company == "Acme"


def test_a_closed_incident_is_refused_until_reopened(client_for, user, incident):
    services.incident_close(incident=incident, outcome="moved_on", now=NOW)
    client = client_for(user)
    url = reverse("incident_edit", args=[incident.pk])

    shown = client.get(url)
    refused = client.post(url, edit_data(company="Globex"))

    assert shown.status_code == 200
    assert "reopen it to edit its details" in shown.content.decode()
    assert refused.status_code == 200
    assert "reopen it to edit its details" in refused.content.decode()
    assert 'value="Globex"' in refused.content.decode()
    incident.refresh_from_db()
    assert incident.company == "Acme"

    services.incident_reopen(incident=incident, now=NOW)
    assert client.post(url, edit_data(company="Globex")).status_code == 302
    incident.refresh_from_db()
    assert incident.company == "Globex"


def test_another_person_gets_a_404_and_changes_nothing(client_for, other_user, incident):
    client = client_for(other_user)
    url = reverse("incident_edit", args=[incident.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, edit_data(company="Mallory Inc")).status_code == 404
    incident.refresh_from_db()
    assert incident.company == "Acme"
    assert not TimelineEvent.objects.filter(incident=incident, kind="edited").exists()

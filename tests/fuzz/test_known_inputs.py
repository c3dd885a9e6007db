"""The inputs the fuzzing once found a 500 with, kept as plain examples so they are tried on
every run whatever hypothesis draws."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_IDS = ["²", "١٢٣", "1\x00", "9" * 5000, "9" * 30, "-1", "0", "1.5", " ", ""]


@pytest.mark.parametrize("raw", NOT_IDS)
def test_an_id_in_a_query_string_or_hidden_field_that_is_not_one_is_ignored(
    raw, owner, world
):
    client = Client()
    client.force_login(owner)
    contact, incident = world["contact"], world["incident"]
    draft = reverse("draft", args=[incident.pk, "apology_email"])
    assert client.get(draft, {"to": raw}).status_code == 200
    edit = reverse("contact_edit", args=[contact.pk])
    assert client.get(edit, {"incident": raw}).status_code in (200, 404)
    response = client.post(edit, {"incident": raw, "name": "Priya Raman", "role": "recruiter",
                                  "preferred_channel": "any"})
    assert response.status_code in (302, 404)


@pytest.mark.parametrize("pk", ["9" * 30, "9" * 5000, "99999999999999999999"])
def test_an_id_in_the_path_out_of_range_is_a_404(pk, owner):
    client = Client()
    client.force_login(owner)
    for url in (f"/incidents/{pk}/", f"/incidents/{pk}/drafts/voicemail/record/",
                f"/slots/{pk}/accept/"):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    # The draft page takes no POST (its jobs have URLs of their own, like record/ above): a 405
    # before the id is looked at, or a 404 where the id is too long to be an int at all.
    draft = f"/incidents/{pk}/drafts/voicemail/"
    assert client.get(draft).status_code == 404, draft
    assert client.post(draft).status_code in (404, 405), draft


def test_a_blank_sign_up_shows_what_is_missing(client):
    response = client.post(reverse("signup"), {})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required") >= 3


def test_accepting_a_request_that_proposed_no_times_says_so(client, owner, world):
    # A reschedule confirmed directly has no proposed slots.
    reschedule = world["confirmed_incident"].reschedules.get()
    client.force_login(owner)
    response = client.post(reverse("reschedule_reply", args=[reschedule.pk]),
                           {"reply": "accepted"})
    assert response.status_code == 200
    assert "No times were proposed in this request" in response.content.decode()


def test_a_username_over_any_accounts_length_is_refused_before_django_axes(client):
    for url in (reverse("login"), reverse("admin:login")):
        response = client.post(url, {"username": "é" * 100_000, "password": "x"})
        assert response.status_code == 200, url
    assert UserFactory()  # the database is still usable after both

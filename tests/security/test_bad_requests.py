"""No 500 from bad bytes or bad filters (issue 12): a body in a charset other than UTF-8 is a
400 (Django's CSRF failure page re-read it and crashed), and an admin date filter out of range
(`?discovered_at__year=9999`) is a 400, not a crash in the admin's date arithmetic."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_raw(client, url, body: bytes, content_type: str):
    return client.generic("POST", url, body, content_type=content_type)


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "ascii", "iso-8859-1", "cp1252"])
@pytest.mark.parametrize("url_name", ["login", "incident_log", "signup"])
def test_a_body_in_another_charset_is_a_400_not_a_500(charset, url_name):
    # As a browser's request is checked: the CSRF failure page is where it used to crash.
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    body = "email=x%40example.com&password=caf%E9".encode("ascii")
    response = post_raw(client, reverse(url_name), body,
                        f"application/x-www-form-urlencoded; charset={charset}")
    assert response.status_code == 400, (charset, url_name, response.status_code)


def test_a_body_in_another_charset_is_a_400_for_a_logged_in_person_too():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(UserFactory())
    response = post_raw(client, reverse("incident_log"), b"company=Acme",
                        "application/x-www-form-urlencoded; charset=latin-1")
    assert response.status_code == 400


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8"])
def test_utf_8_bodies_are_still_welcome(charset):
    client = Client(raise_request_exception=False)
    response = post_raw(client, reverse("login"), b"login=x%40example.com&password=x",
                        f"application/x-www-form-urlencoded; charset={charset}")
    assert response.status_code not in (400, 500)


@pytest.mark.parametrize(
    "query",
    [
        "discovered_at__year=9999",
        "discovered_at__year=0",
        "discovered_at__year=-1",
        "discovered_at__year=99999999999999999999",
        "discovered_at__year=2026&discovered_at__month=13",
        "discovered_at__year=2026&discovered_at__month=2&discovered_at__day=31",
        "discovered_at__year=2026&discovered_at__month=x",
    ],
)
def test_an_out_of_range_admin_date_filter_is_a_400(query):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:incidents_incident_changelist") + "?" + query)
    assert response.status_code in (400, 302), (query, response.status_code)
    if response.status_code == 302:  # the admin's own "bad lookup" answer
        assert "e=1" in response["Location"]


def test_an_in_range_admin_date_filter_still_works():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("admin:incidents_incident_changelist", "admin:reminders_reminder_changelist"):
        response = client.get(reverse(url) + "?" + (
            "discovered_at__year=2026&discovered_at__month=3" if "incident" in url
            else "due_at__year=2026"))
        assert response.status_code == 200, url

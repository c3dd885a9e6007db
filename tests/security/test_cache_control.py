"""Private stays private (issue 12): every page behind the login and the .ics answer
`Cache-Control: private, no-store`, so no shared cache or back button keeps them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.test_csrf import fill
from tests.security.urlwalk import is_public, routes

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def test_every_page_behind_the_login_is_private_and_not_stored(owner, world):
    client = Client()
    client.force_login(owner)
    checked = 0
    for route in routes():
        if route.is_admin or is_public(route) or route.name == "logout":
            continue
        url = fill(route, world)
        response = client.get(url)
        if response.status_code >= 400:
            continue
        assert {"private", "no-store"} <= directives(response), (url, response.get(
            "Cache-Control"))
        checked += 1
    assert checked >= 15


def test_the_ics_is_private_and_not_stored(owner, world):
    client = Client()
    client.force_login(owner)
    route = next(r for r in routes() if r.name and "ics" in r.name)
    response = client.get(fill(route, world))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert {"private", "no-store"} <= directives(response)


def test_the_admin_is_private_and_not_stored(staff):
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert {"private", "no-store"} <= directives(response)

"""CSRF: a POST without a token is refused with 403 on every URL of the URL configuration,
logged in (the owner, or staff for the admin) and, for the public pages (log in, sign up,
password reset), logged out. The URLs come from walking the URL conf, not from a list."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.security import report
from tests.security.test_ownership import OBJECT_ROUTES
from tests.security.urlwalk import is_csrf_exempt, is_public, routes

pytestmark = pytest.mark.django_db

# Values for keywords that carry no object of the owner. A keyword missing here (and from the
# ownership table) fails the sweep, so a new kind of URL is looked at.
SAMPLE_VALUES = {
    "kind": "apology_email",
    "app_label": "incidents",
    "url": "nowhere/",
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "uidb64": "MQ",
    "token": "set-password",
    "uidb36": "1",
    "key": "set-password",
}
# Views that may take a POST without a token, each with its reason.
CSRF_EXEMPT_ALLOWED: set[str] = {
    # RFC 8058 one-click unsubscribe: the mail client posts without a token; the signed token
    # in the URL is the check, and the POST can only stop email.
    r"reminder_unsubscribe (reminders/unsubscribe/(?P<token>[^/]+)/\Z)",
}


def fill(route, world) -> str:
    values = {}
    spec = OBJECT_ROUTES.get(route.name)
    for p in route.params:
        if spec is not None and p in spec.ids:
            values[p] = world[spec.ids[p]].pk
        elif spec is not None and p in spec.others:
            values[p] = spec.others[p][0]
        elif p in SAMPLE_VALUES:
            values[p] = SAMPLE_VALUES[p]
        else:
            raise AssertionError(f"{route}: no sample value for {p!r}; add one to SAMPLE_VALUES")
    return route.path(values)


def assert_csrf_refused(response, url):
    assert response.status_code == 403, f"POST {url} without a CSRF token: {response.status_code}"
    assert b"CSRF" in response.content, f"POST {url}: a 403, but not the CSRF refusal"


def test_no_view_is_csrf_exempt():
    exempt = {str(r) for r in routes() if is_csrf_exempt(r)}
    assert exempt <= CSRF_EXEMPT_ALLOWED, exempt


def test_every_post_without_a_token_is_refused(owner, staff, world):
    as_owner = Client(enforce_csrf_checks=True)
    as_owner.force_login(owner)
    as_staff = Client(enforce_csrf_checks=True)
    as_staff.force_login(staff)
    anonymous = Client(enforce_csrf_checks=True)
    checked = 0
    for route in routes():
        if is_csrf_exempt(route):
            continue  # the allowed ones above
        url = fill(route, world)
        client = as_staff if route.is_admin else as_owner
        # A plausible body: what the view would accept with a token.
        body = OBJECT_ROUTES[route.name].post if route.name in OBJECT_ROUTES else {}
        assert_csrf_refused(client.post(url, body), url)
        if is_public(route) or route.is_admin:
            assert_csrf_refused(anonymous.post(url, {"username": owner.username,
                                                     "login": owner.email,
                                                     "password": "correct horse battery",
                                                     "email": owner.email}), url)
        checked += 1
    report.note("security", f"CSRF sweep: {checked} URL patterns refuse a POST without a token")
    assert checked >= 60


def test_login_signup_and_password_reset_refuse_a_post_without_a_token(owner):
    anonymous = Client(enforce_csrf_checks=True)
    for url, body in [
        (reverse("login"), {"login": owner.email, "password": "correct horse battery"}),
        (reverse("signup"), {"email": "new@example.com",
                               "password1": "a long pass phrase 7", "time_zone": "UTC",
                               "password2": "a long pass phrase 7"}),
        (reverse("password_reset"), {"email": owner.email}),
    ]:
        assert_csrf_refused(anonymous.post(url, body), url)
    assert "_auth_user_id" not in anonymous.session
    assert not get_user_model().objects.filter(email="new@example.com").exists()

"""Logging in and who may see what: the public pages are exactly the ones listed, every other
page needs a login, the admin is for staff only (every admin URL, walked from the URL conf),
repeated failed logins lock out (django-axes), and the password reset says the same thing
whether or not the address has an account."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import reset_link
from tests.factories import UserFactory
from tests.security.test_csrf import fill
from tests.security.urlwalk import is_public, routes
from tests.web.conftest import NOW

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
# Everything else needs a login (LoginRequiredMiddleware). Adding a public view is a decision:
# add it here with a reason.
PUBLIC = {
    # django-allauth (issue 12): sign-up, log in and out, confirming an address, resetting a
    # password; "login", "signup", "logout", "password_reset" are the same views under the
    # project's short names.
    "login", "signup", "logout", "password_reset",
    "account_login", "account_signup", "account_logout", "account_inactive",
    "account_email_verification_sent", "account_confirm_email", "account_reset_password",
    "account_reset_password_done", "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    # The partner's answer to an invitation: signed link, no account (accounts/partner.py).
    "partner_answer",
    # One-click unsubscribe from a reminder email: signed link, no login.
    "reminder_unsubscribe",
    # Issue 16: a coach's invitation (signed link): anyone holding it sees who invites; the
    # POST that accepts sends an anonymous visitor to the login first.
    "coach_accept",
    # Issue 15: "I'm ready" / "I've re-confirmed" from the reminders (signed, expiring links;
    # GET asks, POST records) and the calendar feed (its private token is the key).
    "interview_ready", "interview_reconfirmed", "calendar_feed",
    # Issue 11: help before the account. The front page of a visitor is "I just missed an
    # interview" (a logged-in person gets their dashboard there), its drafts, and the zone
    # search the zone fields use (Babel's city names, nothing of anyone's).
    "dashboard", "visitor_start", "visitor_drafts", "zone_search",
    "healthz", "healthz_live",  # load balancers and container healthchecks
    r"favicon\.ico\Z",  # browsers ask for it on every page
}


def login(client, username, password, url=None):
    """The site's login takes the email (an account's `username` is looked up for it); the
    admin's takes the username."""
    if url and url != reverse("login"):
        return client.post(url, {"username": username, "password": password})
    email = username
    if "@" not in username:
        user = get_user_model().objects.filter(username=username).first()
        email = user.email if user else f"{username}@example.com"
    return client.post(url or reverse("login"), {"login": email, "password": password})


# --- Who sees what ---------------------------------------------------------------------------


def test_the_public_pages_are_exactly_the_listed_ones():
    public = {r.label for r in routes() if is_public(r) and not r.is_admin}
    assert public == PUBLIC


def test_every_other_page_sends_an_anonymous_visitor_to_the_login(world):
    anonymous = Client()
    checked = 0
    for route in routes():
        if route.is_admin or is_public(route):
            continue
        url = fill(route, world)
        for method in ("get", "post"):
            response = getattr(anonymous, method)(url)
            assert response.status_code == 302, f"{method.upper()} {url}: {response.status_code}"
            assert response["Location"].startswith(reverse("login") + "?next="), url
        checked += 1
    assert checked >= 25


def test_the_admin_is_for_staff_only(owner, staff, world):
    """Every admin URL: a visitor and a logged-in person who is not staff are sent to the
    admin's login form (or get a 404 for a page that does not exist); nobody but staff gets an
    admin page, and the admin login refuses a non-staff account."""
    anonymous, person, member = Client(), Client(), Client()
    person.force_login(owner)
    member.force_login(staff)
    admin_login = reverse("admin:login")
    checked = 0
    for route in routes():
        if not route.is_admin or route.name in ("admin:login", "admin:logout"):
            continue
        url = fill(route, world)
        for who, client in (("a visitor", anonymous), ("a non-staff person", person)):
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                status = response.status_code
                where = f"{method.upper()} {url} by {who}: {status}"
                assert status in (302, 404), where
                if status == 302:
                    assert response["Location"].split("?")[0] in (
                        admin_login, reverse("login")
                    ), where
                assert world["incident"].company.encode() not in response.content, where
        checked += 1
    assert checked >= 60
    # The control: staff do get the admin.
    assert member.get(reverse("admin:index")).status_code == 200
    assert member.get(
        reverse("admin:incidents_incident_change", args=[world["incident"].pk])
    ).status_code == 200
    # A non-staff account cannot log in to the admin with its right password.
    refused = login(Client(), owner.username, PASSWORD, url=admin_login)
    assert refused.status_code == 200
    assert "staff account" in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session


# --- Lockout (django-axes) -------------------------------------------------------------------


def test_repeated_failed_logins_lock_out_even_the_right_password(client, owner, settings):
    statuses = [
        login(client, owner.username, f"wrong {i}").status_code
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert login(client, owner.username, PASSWORD).status_code == 429
    # The admin's login is locked for the same person too.
    assert login(client, owner.username, PASSWORD, url=reverse("admin:login")).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_ends_after_the_cool_off(owner, settings):
    with time_machine.travel(NOW, tick=False) as traveller:
        client = Client()
        for i in range(settings.AXES_FAILURE_LIMIT):
            login(client, owner.username, f"wrong {i}")
        assert login(client, owner.username, PASSWORD).status_code == 429
        traveller.shift(settings.AXES_COOLOFF_TIME / 2)
        assert login(client, owner.username, PASSWORD).status_code == 429
        # Each refused try counts from its own time: a full cool-off after the last one.
        traveller.shift(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        response = login(client, owner.username, PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_login_never_sends_anyone_off_site(client, owner, target):
    response = client.post(reverse("login"), {"login": owner.email, "password": PASSWORD,
                                              "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_an_unknown_username_is_locked_out_the_same_way(client, settings):
    """The lockout does not tell an account that exists from one that does not."""
    statuses = [
        login(client, "nobody-by-this-name", f"wrong {i}").status_code
        for i in range(settings.AXES_FAILURE_LIMIT + 1)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429, 429]


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_a_username_longer_than_any_account_is_a_form_error(client, url_name):
    """Django's login forms do not check the username's length; a long one used to reach
    django-axes, whose column is 255 characters (a 500 on PostgreSQL)."""
    response = login(client, "x" * 300, "wrong", url=reverse(url_name))
    assert response.status_code == 200
    limit = 254 if url_name == "login" else 150  # an email on the site, a username on the admin
    assert f"at most {limit} characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_the_login_error_is_the_same_for_a_wrong_password_and_an_unknown_user(client, owner):
    wrong_password = login(Client(), owner.username, "wrong").content.decode()
    unknown_user = login(Client(), "nobody-by-this-name", "wrong").content.decode()

    def error(html):
        start = html.index("alert")
        return html[start: html.index("</div>", start)]

    assert error(wrong_password) == error(unknown_user)


# --- Password reset --------------------------------------------------------------------------


def reset(client, address, **extra):
    response = client.post(reverse("password_reset"), {"email": address}, **extra)
    page = client.get(response["Location"]) if response.status_code == 302 else response
    return response, page


def test_password_reset_says_the_same_whether_or_not_the_address_exists(owner):
    inactive = UserFactory(is_active=False)
    unusable = UserFactory()
    unusable.set_unusable_password()
    unusable.save()
    answers = {}
    for label, address in [
        ("an account", owner.email),
        ("the same, in capitals", owner.email.upper()),
        ("no account", "nobody@example.com"),
        ("an inactive account", inactive.email),
        ("an account without a password", unusable.email),
        ("not an address at all", "nobody"),
    ]:
        mail.outbox.clear()
        response, page = reset(Client(), address)
        answers[label] = (response.status_code, response.get("Location"), page.status_code,
                          page.content.decode().replace(address, "ADDRESS"))
        sent = [m.to for m in mail.outbox]
        # An account whose password was never set gets the link too: it sets its first one.
        expected = {"an account": [[owner.email]], "the same, in capitals": [[owner.email]],
                    "an account without a password": [[unusable.email]]}
        assert sent == expected.get(label, []), label
    # "not an address at all" is a form error, which says nothing about accounts.
    invalid = answers.pop("not an address at all")
    assert invalid[0] == 200 and "valid email" in invalid[3]
    assert len(set(answers.values())) == 1, {k: v[:3] for k, v in answers.items()}
    status, location, page_status, _ = next(iter(answers.values()))
    assert (status, location, page_status) == (302, reverse("account_reset_password_done"), 200)


def test_password_reset_links_cannot_be_pointed_at_another_host(owner):
    response = Client().post(reverse("password_reset"), {"email": owner.email},
                             HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert mail.outbox == []


def test_a_reset_link_works_once(owner):
    Client().post(reverse("password_reset"), {"email": owner.email})
    path = reset_link(owner.email)
    client = Client()
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    done = client.post(form_page.redirect_chain[-1][0],
                       {"password1": "a fresh pass phrase 9", "password2":
                        "a fresh pass phrase 9"})
    assert done.status_code == 302
    fresh = Client()
    assert login(fresh, owner.email, "a fresh pass phrase 9").status_code == 302
    assert fresh.session["_auth_user_id"] == str(owner.pk)
    again = Client().get(path, follow=True)
    assert "This link no longer works" in again.content.decode()

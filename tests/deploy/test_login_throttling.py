"""django-axes with django-allauth's login: repeated failed logins lock that account out from
that address for a while; the lockout can't be aimed at someone else (issue 12): the address is
the real client's behind our proxy and only behind it, a completed password reset lifts it, and
the lockout page offers the reset."""

from datetime import timedelta

import pytest
import time_machine
from axes.exceptions import AxesBackendRequestParameterRequired
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import PASSWORD, reset_password
from tests.factories import UserFactory
from tests.web.conftest import NOW

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
VICTIM_IP = "198.51.100.7"
ATTACKER_IP = "203.0.113.9"


def post_login(client, email, password, **extra):
    return client.post(reverse("login"), {"login": email, "password": password}, **extra)


def lock_out(client, email, settings, **extra):
    return [post_login(client, email, f"wrong {i}", **extra).status_code
            for i in range(settings.AXES_FAILURE_LIMIT)]


def test_the_right_password_is_refused_after_too_many_failures(client, settings):
    user = UserFactory()
    statuses = lock_out(client, user.email, settings)
    # The form again with a message until the limit; the failure that reaches it locks.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    response = post_login(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_offers_a_password_reset_and_the_cool_off_is_short(client, settings):
    user = UserFactory()
    lock_out(client, user.email, settings)
    page = post_login(client, user.email, PASSWORD)

    assert page.status_code == 429
    html = page.content.decode()
    assert "Too many failed logins" in html
    assert reverse("password_reset") in html
    assert settings.AXES_COOLOFF_TIME <= timedelta(minutes=15)


def test_failures_below_the_limit_do_not_lock_out(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, user.email, "wrong")

    response = post_login(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_one_locked_out_account_does_not_lock_out_another(client, settings):
    victim, other = UserFactory(), UserFactory()
    lock_out(client, victim.email, settings)

    assert post_login(client, other.email, PASSWORD).status_code == 302


def test_an_address_in_capitals_counts_as_the_same_account(client, settings):
    user = UserFactory()
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, user.email.upper() if i % 2 else user.email, "wrong")
    assert post_login(client, user.email.title(), "wrong").status_code == 429


# --- The lockout can't be aimed --------------------------------------------------------------


def test_failures_from_one_address_do_not_lock_the_account_out_elsewhere(settings):
    victim = UserFactory()
    attacker = Client(REMOTE_ADDR=ATTACKER_IP)
    assert lock_out(attacker, victim.email, settings)[-1] == 429

    at_home = Client(REMOTE_ADDR=VICTIM_IP)
    assert post_login(at_home, victim.email, PASSWORD).status_code == 302


def test_behind_the_proxy_each_client_is_counted_on_its_own(settings):
    """The finding: behind the proxy every client had the proxy's address, so an attacker's
    failures locked the victim out wherever they were."""
    settings.TRUSTED_PROXIES = [PROXY]
    victim = UserFactory()
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER_IP)
    assert lock_out(attacker, victim.email, settings)[-1] == 429

    at_home = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VICTIM_IP)
    assert post_login(at_home, victim.email, PASSWORD).status_code == 302


def test_x_forwarded_for_is_read_only_from_the_configured_proxy(settings):
    """A client that is not our proxy can't choose the address it is counted under: a forged
    header naming the victim's address is ignored."""
    settings.TRUSTED_PROXIES = [PROXY]
    victim = UserFactory()
    forger = Client(REMOTE_ADDR=ATTACKER_IP, HTTP_X_FORWARDED_FOR=VICTIM_IP)
    assert lock_out(forger, victim.email, settings)[-1] == 429
    # Still locked from the forger's own address, whatever it claims next.
    spoofing = Client(REMOTE_ADDR=ATTACKER_IP, HTTP_X_FORWARDED_FOR="192.0.2.55")
    assert post_login(spoofing, victim.email, PASSWORD).status_code == 429

    via_proxy = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VICTIM_IP)
    assert post_login(via_proxy, victim.email, PASSWORD).status_code == 302


def test_a_client_prepending_addresses_through_the_proxy_is_still_itself(settings):
    """The proxy appends the address it saw; what the client put before it is not trusted."""
    settings.TRUSTED_PROXIES = [PROXY]
    victim = UserFactory()
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM_IP}, {ATTACKER_IP}")
    assert lock_out(attacker, victim.email, settings)[-1] == 429
    at_home = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VICTIM_IP)
    assert post_login(at_home, victim.email, PASSWORD).status_code == 302


def test_a_completed_password_reset_lifts_the_lockout(settings):
    victim = UserFactory()
    client = Client()
    with time_machine.travel(NOW, tick=False):
        assert lock_out(client, victim.email, settings)[-1] == 429
        assert post_login(client, victim.email, PASSWORD).status_code == 429

        done = reset_password(Client(), victim.email, "a brand new pass phrase 5")
        assert done.status_code == 302

        response = post_login(client, victim.email, "a brand new pass phrase 5")
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(victim.pk)


def test_the_test_client_login_needs_a_request_with_axes(client, rf):
    """Why tests log in with force_login() and check passwords through the form: axes refuses
    an authenticate() without the request, and Client.login() passes none. Given one, the
    password is checked as the form checks it."""
    user = UserFactory()

    with pytest.raises(AxesBackendRequestParameterRequired):
        client.login(username=user.username, password=PASSWORD)
    assert "_auth_user_id" not in client.session

    request = rf.post(reverse("login"))
    assert client.login(request=request, username=user.username, password=PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not Client().login(request=request, username=user.username, password="wrong")


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),  # no proxy
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not our proxy: header ignored
        (PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXY, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # what the client prepended: no
        (PROXY, "198.51.100.7, 10.0.0.2", "198.51.100.7"),  # a second trusted hop skipped
        (PROXY, "", PROXY),
        (PROXY, "garbage", PROXY),
        (PROXY, "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_the_client_address(rf, settings, remote, forwarded, expected):
    from tracker.client_ip import client_ip

    settings.TRUSTED_PROXIES = [PROXY, "10.0.0.2/32"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected

"""django-axes: repeated failed logins lock that username from that address out for a while."""

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def post_login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_right_password_is_refused_after_too_many_failures(client, settings):
    user = UserFactory()
    statuses = [
        post_login(client, user.username, "wrong").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The form again with a message until the limit; the failure that reaches it locks.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    response = post_login(client, user.username, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock_out(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, user.username, "wrong")

    response = post_login(client, user.username, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_one_locked_out_username_does_not_lock_out_another(client, settings):
    victim, other = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, victim.username, "wrong")

    assert post_login(client, other.username, PASSWORD).status_code == 302


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

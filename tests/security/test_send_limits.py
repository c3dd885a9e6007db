"""Limits on every email a person can make us send, and on incidents created (issue 12): per
account and per recipient address, per day, configurable (settings.SEND_LIMITS), counted in the
cache. The N+1-th is refused with a clear message and the refusal is logged. The findings: ten
test reminders a minute to any inbox (one per incident), 30 password resets in 2.3 s to one
address, ten incidents in 0.2 s."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import scenarios
from tests.accounts.helpers import sign_up_data
from tests.factories import UserFactory
from tests.helpers import frozen_clock
from tracker.incidents.models import Incident
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db

N = 2  # every allowance in these tests
NOW = scenarios.CONFIRMED_AT + timedelta(minutes=5)


@pytest.fixture(autouse=True)
def small_limits(settings):
    actions = ("test_reminder", "partner_invitation", "verification", "password_reset")
    settings.SEND_LIMITS = dict.fromkeys(actions, (N, N))
    settings.SEND_LIMITS["incident"] = (N, 0)


clock = frozen_clock(NOW)


@pytest.fixture
def refusals(caplog):
    caplog.set_level(logging.WARNING, logger="tracker.accounts.limits")

    def count():
        return sum("Limit reached" in r.getMessage() for r in caplog.records)
    return count


# --- Test reminders --------------------------------------------------------------------------


def test_test_reminders_are_limited_per_person_across_incidents(clock, refusals):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    incidents = [scenarios.logged(user) for _ in range(N + 1)]
    for incident in incidents[:N]:
        client.post(reverse("reminder_test", args=[incident.pk]))
    page = client.post(reverse("reminder_test", args=[incidents[N].pk]), follow=True)

    assert Reminder.objects.filter(kind="test", incident__owner=user).count() == N
    assert "test reminders allowed for today" in page.content.decode()
    assert refusals() == 1
    # Tomorrow it is allowed again.
    clock.shift(timedelta(days=1))
    client.post(reverse("reminder_test", args=[incidents[N].pk]))
    assert Reminder.objects.filter(kind="test", incident__owner=user).count() == N + 1


def test_a_test_reminder_goes_only_to_a_confirmed_address(clock):
    user = UserFactory(email_verified=False)
    client = Client()
    client.force_login(user)
    incident = scenarios.logged(user)
    page = client.post(reverse("reminder_test", args=[incident.pk]), follow=True)

    assert not Reminder.objects.filter(kind="test").exists()
    assert "Confirm your email address first" in page.content.decode()


# --- Partner invitations ---------------------------------------------------------------------


def set_partner(client, email, capture):
    with capture(execute=True):
        return client.post(reverse("profile"), {
            "full_name": "Maria", "phone": "", "time_zone": "UTC", "partner_email": email,
            "reminders": ["before_24h"],
        })


def invitations_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_partner_invitations_are_limited_per_person(
    clock, refusals, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    for k in range(N):
        assert set_partner(client, f"p{k}@example.org",
                           django_capture_on_commit_callbacks).status_code == 302
    page = set_partner(client, "p9@example.org", django_capture_on_commit_callbacks)

    assert page.status_code == 200
    assert "partner invitations allowed for today" in page.content.decode()
    assert invitations_to("p9@example.org") == []
    user.profile.refresh_from_db()
    assert user.profile.partner_email == f"p{N - 1}@example.org"
    assert refusals() == 1


def test_partner_invitations_are_limited_per_recipient(
    clock, refusals, django_capture_on_commit_callbacks
):
    target = "target@example.org"
    for _ in range(N):
        client = Client()
        client.force_login(UserFactory())
        set_partner(client, target, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(UserFactory())
    page = set_partner(client, target, django_capture_on_commit_callbacks)

    assert "partner invitations allowed for today" in page.content.decode()
    assert len(invitations_to(target)) == N
    assert refusals() == 1


# --- Verification resends --------------------------------------------------------------------


def test_confirmation_resends_are_limited_per_person(refusals):
    user = UserFactory(email_verified=False)
    client = Client()
    client.force_login(user)
    mail.outbox.clear()
    for _ in range(N):
        client.post(reverse("verification_resend"))
    page = client.post(reverse("verification_resend"), follow=True)

    assert len(invitations_to(user.email)) == N
    assert "confirmation emails allowed for today" in page.content.decode()
    assert refusals() >= 1


def test_sign_ups_with_one_address_send_it_at_most_the_daily_confirmations(refusals):
    """Sign-up with an address already in use mails its owner (enumeration prevention): that
    is a confirmation email like any other, under the same per-address limit."""
    UserFactory(email="taken@example.com")
    mail.outbox.clear()
    with time_machine.travel(NOW, tick=False) as clock:
        for k in range(N + 2):
            response = Client(REMOTE_ADDR=f"192.0.2.{k + 1}").post(
                reverse("signup"), sign_up_data(email="taken@example.com"))
            assert response.status_code == 302  # the same answer every time
            clock.shift(timedelta(minutes=10))  # past django-allauth's own 3-minute cooldown
    assert len(invitations_to("taken@example.com")) == N
    assert refusals() >= 1


# --- Password resets -------------------------------------------------------------------------


def ask_reset(address, ip="192.0.2.1"):
    return Client(REMOTE_ADDR=ip).post(reverse("password_reset"), {"email": address})


def test_password_resets_are_limited_per_address(refusals):
    user = UserFactory()
    for k in range(N):
        assert ask_reset(user.email, ip=f"192.0.2.{k + 1}").status_code == 302
    refused = ask_reset(user.email, ip="192.0.2.200")

    assert refused.status_code == 200
    assert "password reset emails allowed for today" in refused.content.decode()
    assert len(invitations_to(user.email)) == N
    assert refusals() == 1


def test_the_reset_limit_says_the_same_for_an_address_without_an_account():
    for k in range(N):
        ask_reset("nobody@example.com", ip=f"192.0.2.{k + 1}")
    refused = ask_reset("nobody@example.com", ip="192.0.2.200")
    assert "password reset emails allowed for today" in refused.content.decode()


def test_password_resets_are_limited_per_client_address(refusals):
    users = [UserFactory() for _ in range(N + 1)]
    for user in users[:N]:
        ask_reset(user.email, ip="198.51.100.9")
    refused = ask_reset(users[N].email, ip="198.51.100.9")

    assert refused.status_code == 200
    assert invitations_to(users[N].email) == []
    assert refusals() == 1


# --- Incidents -------------------------------------------------------------------------------


def incident_data(k):
    return {
        "company": f"Acme {k}", "role": "Engineer", "interview_at": "2026-03-02T09:00",
        "interview_tz": "UTC", "candidate_tz": "UTC", "format": "video", "cause": "timezone",
    }


def test_incidents_are_limited_per_person_per_day(refusals):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    with time_machine.travel(scenarios.T0, tick=False):
        for k in range(N):
            assert client.post(reverse("incident_log"), incident_data(k)).status_code == 302
        page = client.post(reverse("incident_log"), incident_data(N))

    assert page.status_code == 200
    assert "incidents allowed for today" in page.content.decode()
    assert Incident.objects.filter(owner=user).count() == N
    assert refusals() == 1
    # Another person is not affected.
    other = Client()
    other.force_login(UserFactory())
    with time_machine.travel(scenarios.T0, tick=False):
        assert other.post(reverse("incident_log"), incident_data(0)).status_code == 302


def test_the_limits_are_configurable(settings):
    from tracker.accounts import limits

    settings.SEND_LIMITS = {**settings.SEND_LIMITS, "password_reset": (1, 1)}
    limits.check_and_count("password_reset", recipient="a@example.com", now=NOW)
    with pytest.raises(limits.LimitReached):
        limits.check_and_count("password_reset", recipient="A@example.com ", now=NOW)

"""Reminders only to an address that said yes (issue 12): the person's address counts once it
is confirmed (django-allauth's EmailAddress, verified and primary); until then the dashboard
says so, with a button that sends the link again. The finding: the sign-up address was never
verified, and reminders went to whatever address was typed."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.helpers import confirm_email, sign_up_data
from tests.factories import UserFactory
from tracker.accounts.selectors import reminder_address

pytestmark = pytest.mark.django_db


def test_a_new_account_has_no_reminder_address_until_it_confirms(client):
    client.post(reverse("signup"), sign_up_data())
    user = get_user_model().objects.get(email="maria@example.com")
    assert reminder_address(user) == ""
    confirm_email(client, "maria@example.com")
    assert reminder_address(user) == "maria@example.com"


def test_an_unconfirmed_or_secondary_address_is_no_reminder_address():
    user = UserFactory(email_verified=False)
    assert reminder_address(user) == ""
    EmailAddress.objects.create(user=user, email="other@example.com", verified=True,
                                primary=False)
    assert reminder_address(user) == ""
    assert reminder_address(None) == ""


def test_the_dashboard_asks_an_unconfirmed_person_to_confirm_with_a_resend_button():
    user = UserFactory(email_verified=False)
    client = Client()
    client.force_login(user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Confirm your email to get reminders" in html
    assert f'action="{reverse("verification_resend")}"' in html

    confirmed = Client()
    confirmed.force_login(UserFactory())
    assert "Confirm your email to get reminders" not in confirmed.get(
        reverse("dashboard")).content.decode()


def test_the_resend_button_mails_a_fresh_link():
    from django.core import mail

    user = UserFactory(email_verified=False)
    client = Client()
    client.force_login(user)
    mail.outbox.clear()
    page = client.post(reverse("verification_resend"), follow=True)
    assert "We sent a new confirmation link" in page.content.decode()
    assert [m.to for m in mail.outbox] == [[user.email]]
    confirm_email(client, user.email)
    assert reminder_address(user) == user.email


def test_the_database_refuses_one_address_on_two_accounts_in_any_case():
    """auth_user.email had no unique constraint: the migration adds a case-insensitive one
    (tests create tables without migrations, so its SQL is applied here)."""
    from importlib import import_module

    migration = import_module(
        "tracker.accounts.migrations.0001_squashed_0003_profile_calendar_feed"
    )
    with connection.cursor() as cursor:
        cursor.execute(migration.UNIQUE_EMAIL_SQL)
    UserFactory(email="Maria@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="maria@example.COM")
    UserFactory(email="")  # accounts without an address are not caught
    UserFactory(email="")


def test_the_banner_asks_the_database_until_the_address_is_confirmed_then_the_session_knows():
    user = UserFactory(email_verified=False)
    client = Client()
    client.force_login(user)
    address = EmailAddress.objects.get(user=user)

    def page_and_address_queries():
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("dashboard")).content.decode()
        asked = sum("account_emailaddress" in q["sql"] for q in queries.captured_queries)
        return "Confirm your email to get reminders" in html, asked

    # Unconfirmed: asked on every page, the banner shown each time.
    assert page_and_address_queries() == (True, 1)
    assert page_and_address_queries() == (True, 1)
    address.verified = True
    address.save()
    # Confirmed: asked once more, then remembered by the session.
    assert page_and_address_queries() == (False, 1)
    assert page_and_address_queries() == (False, 0)
    # Another session of the same person asks again once.
    other = Client()
    other.force_login(user)
    assert "Confirm your email" not in other.get(reverse("dashboard")).content.decode()

"""The move to django-allauth (first accounts 0002-0004, now in the squashed accounts 0001):
existing accounts get their EmailAddress row, unconfirmed (reminders wait for the person to
confirm), and duplicates stop the migration."""

from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

migration = import_module("tracker.accounts.migrations.0001_squashed_0003_profile_calendar_feed")


def test_every_existing_account_gets_one_unconfirmed_primary_address():
    legacy = UserFactory(email="Legacy@Example.com", email_verified=False)
    EmailAddress.objects.filter(user=legacy).delete()
    already = UserFactory()  # has its row: left alone
    no_email = UserFactory(email="")

    migration.add_email_addresses(apps, None)

    row = EmailAddress.objects.get(user=legacy)
    assert (row.email, row.primary, row.verified) == ("legacy@example.com", True, False)
    assert EmailAddress.objects.filter(user=already).count() == 1
    assert EmailAddress.objects.get(user=already).verified
    assert not EmailAddress.objects.filter(user=no_email).exists()


def test_two_accounts_with_one_address_stop_the_migration_with_their_ids():
    first = UserFactory(email="dup@example.com")
    second = UserFactory(email="other@example.com")
    type(second).objects.filter(pk=second.pk).update(email="DUP@example.com")

    with pytest.raises(RuntimeError, match=f"users {first.pk} and {second.pk}"):
        migration.check_no_duplicates(apps, None)

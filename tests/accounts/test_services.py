"""user_sign_up and profile_update."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from tests.factories import BASE, IncidentFactory
from tracker.accounts import services
from tracker.incidents import services as incident_services
from tracker.incidents.models import Incident, Outreach

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(monkeypatch):
    """The incidents reminders_sync was called for, in order."""
    calls = []
    monkeypatch.setattr(
        services, "reminders_sync", lambda *, incident, now: calls.append(incident.pk)
    )
    return calls


def profile_values(profile, **overrides):
    values = {
        "full_name": profile.full_name,
        "phone": profile.phone,
        "time_zone": profile.time_zone,
        "partner_email": profile.partner_email,
        "reminders_off": list(profile.reminders_off),
    }
    values.update(overrides)
    return values


def test_sign_up_hashes_the_password_and_sets_the_zone():
    user = services.user_sign_up(
        username="ana", email="ana@example.com", password="plum tree harbour 71",
        time_zone="Asia/Kolkata",
    )

    user.refresh_from_db()
    assert user.password != "plum tree harbour 71"
    assert user.check_password("plum tree harbour 71")
    assert user.profile.time_zone == "Asia/Kolkata"
    assert not user.is_staff


def test_sign_up_with_an_unknown_zone_creates_nothing():
    with pytest.raises(ValidationError):
        services.user_sign_up(username="ana", email="ana@example.com",
                              password="plum tree harbour 71", time_zone="Nowhere/Land")

    assert not get_user_model().objects.filter(username="ana").exists()


def test_every_user_has_a_profile_from_the_start():
    user = get_user_model().objects.create_user(username="plain", password="x")

    assert user.profile.time_zone == "UTC"
    assert user.profile.reminders_off == []


def test_profile_update_stores_kinds_off_once_and_sorted(user, synced):
    profile = services.profile_update(
        profile=user.profile,
        **profile_values(user.profile,
                         reminders_off=["thank_you", "first_hour", "thank_you"]),
        now=BASE,
    )

    profile.refresh_from_db()
    assert profile.reminders_off == ["first_hour", "thank_you"]


def test_profile_update_refuses_an_unknown_zone(user, synced):
    with pytest.raises(ValidationError):
        services.profile_update(profile=user.profile,
                                **profile_values(user.profile, time_zone="Mars/Base"), now=BASE)

    user.profile.refresh_from_db()
    assert user.profile.time_zone == "America/Chicago"


def test_changing_reminder_facts_replans_every_open_incident(user, synced):
    open_one = IncidentFactory(owner=user)
    other_open = IncidentFactory(owner=user)
    IncidentFactory(owner=user, closed=True)
    IncidentFactory()  # someone else's
    synced.clear()

    services.profile_update(profile=user.profile,
                            **profile_values(user.profile, time_zone="Europe/Berlin"), now=BASE)

    assert sorted(synced) == sorted([open_one.pk, other_open.pk])


@pytest.mark.parametrize(
    "change",
    [{"partner_email": "sam@example.org"}, {"reminders_off": ["before_1h"]}],
)
def test_partner_or_reminder_choices_replan_too(user, synced, change):
    incident = IncidentFactory(owner=user)
    synced.clear()

    services.profile_update(profile=user.profile, **profile_values(user.profile, **change),
                            now=BASE)

    assert synced == [incident.pk]


def test_changing_only_name_or_phone_does_not_replan(user, synced):
    IncidentFactory(owner=user)
    synced.clear()

    services.profile_update(
        profile=user.profile,
        **profile_values(user.profile, full_name="New Name", phone="+1 555 0100"),
        now=BASE,
    )

    user.profile.refresh_from_db()
    assert user.profile.full_name == "New Name"
    assert synced == []


def test_profile_ensure_makes_a_missing_profile(user):
    user.profile.delete()
    user = get_user_model().objects.get(pk=user.pk)

    profile = services.profile_ensure(user=user)

    assert profile.pk is not None
    assert profile.time_zone == "UTC"


def test_turning_a_kind_off_skips_its_pending_reminder_and_turning_it_on_revives_it(user):
    from tracker.reminders.models import Reminder

    now = BASE + 30 * timedelta(minutes=1)
    incident = IncidentFactory(owner=user, discovered_at=BASE + timedelta(minutes=20))
    incident_services.outreach_record(incident=incident, channel=Outreach.Channel.EMAIL,
                                      result=Outreach.Result.SENT, now=now)
    incident_services.reschedule_confirm(
        incident=incident, start=BASE + timedelta(days=5), time_zone="Asia/Kolkata",
        duration_minutes=45, format=Incident.Format.VIDEO, now=now,
    )
    day_before = Reminder.objects.get(incident=incident, kind="before_24h")
    assert day_before.status == Reminder.Status.PENDING

    services.profile_update(profile=user.profile,
                            **profile_values(user.profile, reminders_off=["before_24h"]),
                            now=now + timedelta(minutes=1))
    day_before.refresh_from_db()
    assert day_before.status == Reminder.Status.SKIPPED
    assert Reminder.objects.get(incident=incident, kind="before_1h").status == "pending"

    services.profile_update(profile=user.profile,
                            **profile_values(user.profile, reminders_off=[]),
                            now=now + timedelta(minutes=2))
    day_before.refresh_from_db()
    assert day_before.status == Reminder.Status.PENDING

"""The profile inline on the user admin."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_user_change_page_shows_the_profile(admin_client, user):
    response = admin_client.get(reverse("admin:auth_user_change", args=[user.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert user.profile.full_name in html
    assert "Reminders turned off" in html


def test_user_add_page_loads_without_a_profile_inline(admin_client):
    response = admin_client.get(reverse("admin:auth_user_add"))

    assert response.status_code == 200
    assert "profile-TOTAL_FORMS" not in response.content.decode()


def test_user_changelist_loads(admin_client, user):
    response = admin_client.get(reverse("admin:auth_user_changelist"))

    assert response.status_code == 200
    assert user.username in response.content.decode()


def test_profile_edited_in_the_admin_is_saved_through_the_service(
    admin_client, user, monkeypatch
):
    from tracker.accounts import admin as accounts_admin

    calls = []
    real = accounts_admin.profile_update
    monkeypatch.setattr(accounts_admin, "profile_update",
                        lambda **kw: calls.append(kw) or real(**kw))
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update({
        "username": user.username,
        "email": user.email,
        "date_joined_0": "2026-03-01", "date_joined_1": "10:00:00",
        "is_active": "on",
        "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0", "profile-MAX_NUM_FORMS": "1",
        "profile-0-id": str(user.profile.pk), "profile-0-user": str(user.pk),
        "profile-0-full_name": "Coach Edited",
        "profile-0-phone": "",
        "profile-0-time_zone": "Europe/Lisbon",
        "profile-0-partner_email": "",
        "profile-0-reminders_off": ["follow_up"],
    })
    for key in ("groups", "user_permissions", "last_login"):
        data.pop(key, None)

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.profile.refresh_from_db()
    assert user.profile.full_name == "Coach Edited"
    assert user.profile.time_zone == "Europe/Lisbon"
    assert user.profile.reminders_off == ["follow_up"]
    assert len(calls) == 1


def test_profile_with_an_unknown_zone_is_refused_in_the_admin(admin_client, user):
    url = reverse("admin:auth_user_change", args=[user.pk])
    response = admin_client.post(url, {
        "username": user.username, "email": user.email,
        "date_joined_0": "2026-03-01", "date_joined_1": "10:00:00", "is_active": "on",
        "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0", "profile-MAX_NUM_FORMS": "1",
        "profile-0-id": str(user.profile.pk), "profile-0-user": str(user.pk),
        "profile-0-full_name": "x", "profile-0-time_zone": "Moon/Base",
    })

    assert response.status_code == 200
    assert "“Moon/Base” is not a known IANA time zone" in response.content.decode()
    user.profile.refresh_from_db()
    assert user.profile.time_zone == "America/Chicago"

"""Every write to accounts: creating a person and editing their profile."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from tracker.incidents.models import Incident
from tracker.reminders.services import reminders_sync

from .models import Profile

# Profile fields that change which reminders exist, when they are due or who gets them.
_REMINDER_FACTS = ("time_zone", "partner_email", "reminders_off")


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str, time_zone: str = "UTC"):
    """Create the account and its profile. The password is hashed; the caller logs the
    person in."""
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    # The post_save signal has created the profile; set the zone chosen at sign-up.
    profile = Profile.objects.get(user=user)
    profile.time_zone = time_zone
    profile.full_clean()
    profile.save(update_fields=["time_zone"])
    return user


def profile_ensure(*, user) -> Profile:
    """The person's profile; made here for an account that predates the signal (a fixture
    load, say)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    full_name: str,
    phone: str,
    time_zone: str,
    partner_email: str,
    reminders_off: Iterable[str],
    now: datetime,
) -> Profile:
    """Save the profile. When a fact the reminders depend on changes, the person's open
    incidents are re-planned in the same transaction."""
    values = {
        "full_name": full_name,
        "phone": phone,
        "time_zone": time_zone,
        "partner_email": partner_email,
        "reminders_off": sorted(set(reminders_off)),
    }
    changed = [f for f, v in values.items() if getattr(profile, f) != v]
    if not changed:
        return profile
    for f in changed:
        setattr(profile, f, values[f])
    profile.full_clean()
    profile.save(update_fields=changed)
    if any(f in _REMINDER_FACTS for f in changed):
        open_incidents = Incident.objects.filter(owner_id=profile.user_id).exclude(
            phase=Incident.Phase.CLOSED
        )
        for incident in open_incidents:
            reminders_sync(incident=incident, now=now)
    return profile

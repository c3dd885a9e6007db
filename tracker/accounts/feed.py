"""Issue 15: the person's private calendar feed URL. A long random token (secrets, 256 bits)
that only its owner sees on the profile page; "regenerate" replaces it (the old URL answers 404
at once), "turn off" removes it. Whether the events name the interviewer is the person's
choice (off by default). The feed itself is read in tracker/reminders/feed.py."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.urls import reverse

from tracker.messaging.emails import absolute

from .models import Profile


@dataclass(frozen=True)
class FeedUrls:
    https: str
    webcal: str


def urls(profile: Profile) -> FeedUrls | None:
    if not profile.feed_token:
        return None
    https = absolute(reverse("calendar_feed", args=[profile.feed_token]))
    return FeedUrls(https=https, webcal="webcal://" + https.split("://", 1)[1])


def _locked(profile: Profile) -> Profile:
    return Profile.objects.select_for_update().get(pk=profile.pk)


@transaction.atomic
def feed_regenerate(*, profile: Profile, now: datetime) -> str:
    """A new feed URL (the first one, or one replacing a URL that leaked)."""
    locked = _locked(profile)
    locked.feed_token = secrets.token_urlsafe(32)
    locked.feed_changed_at = now
    locked.save(update_fields=["feed_token", "feed_changed_at"])
    profile.feed_token, profile.feed_changed_at = locked.feed_token, now
    return locked.feed_token


@transaction.atomic
def feed_revoke(*, profile: Profile, now: datetime) -> None:
    locked = _locked(profile)
    locked.feed_token = ""
    locked.feed_changed_at = now
    locked.save(update_fields=["feed_token", "feed_changed_at"])
    profile.feed_token, profile.feed_changed_at = "", now


@transaction.atomic
def feed_interviewer_set(*, profile: Profile, show: bool, now: datetime) -> None:
    locked = _locked(profile)
    if locked.feed_interviewer == bool(show):
        return
    locked.feed_interviewer = bool(show)
    locked.feed_changed_at = now
    locked.save(update_fields=["feed_interviewer", "feed_changed_at"])
    profile.feed_interviewer, profile.feed_changed_at = bool(show), now

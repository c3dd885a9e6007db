"""Issue 15: the person's live calendar feed, read by a subscribed calendar (Google, Apple,
Outlook) without a login: the private token in the URL is the key (tracker/accounts/feed.py
makes, regenerates and revokes it).

The feed holds, for each of the person's incidents, what its one calendar identity holds now
(the same pick as `Situation.calendar_entry`: the confirmed interview, else the last one called
off, as a cancelled event), for interviews not over more than KEEP_PAST ago. The body depends
only on the stored facts (each event is stamped with its last change), so its hash is a stable
ETag; Last-Modified is the newest of those changes."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Prefetch
from django.urls import reverse

from tracker.accounts.models import Profile
from tracker.incidents.models import Incident, Reschedule
from tracker.incidents.situation import called_off_of, current_of, person_zone
from tracker.messaging import calendar
from tracker.messaging.emails import absolute

from . import alarm_test

KEEP_PAST = timedelta(days=7)
KEEP_TESTS = timedelta(days=1)
TOKEN_MIN_LENGTH = 32


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    last_modified: datetime | None
    events: int


def feed_for_token(token: str, *, now: datetime) -> Feed | None:
    """The feed the token opens, or None (unknown, revoked or malformed: the same 404)."""
    if not token or len(token) < TOKEN_MIN_LENGTH or len(token) > 64:
        return None
    profile = Profile.objects.filter(feed_token=token).first()
    if profile is None or not hmac.compare_digest(profile.feed_token, token):
        return None
    return feed_of(profile, now=now)


def feed_of(profile: Profile, *, now: datetime) -> Feed:
    incidents = (
        Incident.objects.filter(owner_id=profile.user_id)
        .order_by("pk")
        .prefetch_related(
            Prefetch("reschedules", queryset=Reschedule.objects.select_related("interviewer"))
        )
    )
    events, stamps = [], [profile.feed_changed_at]
    for incident in incidents:
        if incident.alarm_test_at is not None and incident.alarm_test_at > now - KEEP_TESTS:
            # Issue 15: the alarm self-test's throwaway event, for a day.
            events.append(alarm_test.event_for(incident))
            stamps.append(alarm_test.started_at(incident))
        rows = list(incident.reschedules.all())
        current = current_of(rows)
        entry = current if current is not None and current.confirmed_at else None
        entry = entry or called_off_of(rows)
        if entry is None or entry.start is None or entry.end < now - KEEP_PAST:
            continue
        stamp = entry.last_change_at or entry.confirmed_at
        # Closed before the interview took place: no alarm may ring for it any more.
        closed = incident.phase == Incident.Phase.CLOSED and entry.attended_at is None
        if closed and incident.closed_at:
            stamp = max(stamp, incident.closed_at)
        interviewer = (
            entry.interviewer.name if profile.feed_interviewer and entry.interviewer else ""
        )
        events.append(
            calendar.feed_event(
                entry,
                incident=incident,
                person_tz=person_zone(incident),
                stamp=stamp,
                interviewer=interviewer,
                details_url=absolute(reverse("incident_detail", args=[incident.pk])),
                closed=closed,
            )
        )
        stamps += [stamp, incident.updated_at]
    body = calendar.feed_calendar(events)
    known = [s.astimezone(UTC) for s in stamps if s is not None]
    return Feed(
        body=body,
        etag='"' + hashlib.sha256(body).hexdigest()[:40] + '"',
        last_modified=max(known) if known else None,
        events=len(events),
    )

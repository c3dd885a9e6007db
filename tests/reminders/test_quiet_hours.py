"""Quiet hours: the thank-you nudge of an evening interview waits until 08:00 in the person's
zone, counted on the wall clock across a DST change; the 24 h and 1 h reminders never move.
With the real dispatcher, the clock moved by time-machine."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.messaging.copies import send_due
from tests.scenarios import apologise, confirm, logged, notices_sent
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
K = Reminder.Kind


def evening_interview(user, zone, local_start):
    start = local_start.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    t = start - timedelta(days=4)
    incident = logged(user, now=t, discovered_at=t, interview_at=t - timedelta(minutes=30),
                      candidate_tz=zone)
    apologise(incident, now=t + timedelta(minutes=5))
    confirm(incident, start=start, now=t + timedelta(minutes=10), time_zone=zone,
            duration_minutes=60)
    return notices_sent(incident), start


@pytest.mark.parametrize(
    ("zone", "local_start", "eight_am_utc", "wrong_eight_utc"),
    [
        # Berlin falls back in the night of Sat 24 to Sun 25 Oct 2026: 08:00 CET is 07:00 UTC
        # (08:00 CEST, the offset of the evening before, would be 06:00 UTC).
        ("Europe/Berlin", datetime(2026, 10, 24, 19, 30),
         datetime(2026, 10, 25, 7, 0, tzinfo=UTC), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
        # New York springs forward in the night of Sat 7 to Sun 8 Mar 2026: 08:00 EDT is 12:00
        # UTC (08:00 EST would be 13:00 UTC).
        ("America/New_York", datetime(2026, 3, 7, 21, 0),
         datetime(2026, 3, 8, 12, 0, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
    ],
)
def test_the_thank_you_nudge_waits_for_eight_oclock_local_across_the_dst_change(
    user, zone, local_start, eight_am_utc, wrong_eight_utc
):
    incident, start = evening_interview(user, zone, local_start)
    end = start + timedelta(hours=1)
    rows = {r.kind: r for r in Reminder.objects.filter(incident=incident)}
    nudge = rows[K.THANK_YOU]
    assert nudge.due_at == eight_am_utc
    assert "quiet hours" in nudge.reason
    # The reminders about the interview itself are never moved.
    assert rows[K.BEFORE_24H].due_at == start - timedelta(hours=24)
    assert rows[K.BEFORE_1H].due_at == start - timedelta(hours=1)
    assert [s.kind for s in send_due(start - timedelta(hours=1))] == [K.BEFORE_1H]

    # An hour after the end, at night in the person's zone: nothing.
    assert [s.kind for s in send_due(end + timedelta(hours=1))] == []
    assert [s.kind for s in send_due(eight_am_utc - timedelta(minutes=1))] == []
    early = min(eight_am_utc, wrong_eight_utc)
    if early < eight_am_utc:
        assert [s.kind for s in send_due(early)] == []  # 08:00 by the wrong offset
    sent = send_due(eight_am_utc)
    assert [s.kind for s in sent] == [K.THANK_YOU]
    local = eight_am_utc.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (8, 0)
    assert "today" in sent[0].text()


def test_turning_quiet_hours_off_in_the_profile_moves_the_nudge_back(user):
    from tracker.accounts.services import profile_update

    incident, start = evening_interview(user, "Europe/Berlin", datetime(2026, 10, 24, 19, 30))
    nudge = Reminder.objects.get(incident=incident, kind=K.THANK_YOU)
    assert nudge.due_at == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    p = user.profile
    profile_update(profile=p, full_name=p.full_name, phone=p.phone, time_zone=p.time_zone,
                   partner_email=p.partner_email, reminders_off=p.reminders_off or [],
                   quiet_hours=False, now=start - timedelta(days=1))
    nudge.refresh_from_db()
    assert nudge.due_at == start + timedelta(hours=2) and nudge.reason == ""


def test_the_profile_page_offers_quiet_hours_on_by_default_and_saves_the_choice(user_client, user):
    from django.urls import reverse

    html = user_client.get(reverse("profile")).content.decode()
    assert "Hold nudges at night" in html
    assert re.search(r'<input[^>]*name="quiet_hours"[^>]*checked', html)
    data = {"full_name": "Maria Lopez", "phone": "", "time_zone": "Europe/Berlin",
            "partner_email": "", "reminders": ["before_24h", "before_1h", "thank_you"]}
    user_client.post(reverse("profile"), data)  # the box unticked
    user.profile.refresh_from_db()
    assert user.profile.quiet_hours is False
    user_client.post(reverse("profile"), {**data, "quiet_hours": "on"})
    user.profile.refresh_from_db()
    assert user.profile.quiet_hours is True

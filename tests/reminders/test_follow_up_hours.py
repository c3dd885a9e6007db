"""Issue 15: the follow-up nudge names a send time inside the recipient's working hours, in
both zones, and reaches the person shortly before it (outside their quiet hours)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import scenarios
from tests.scenarios import REQUESTED_AT
from tracker import working_hours
from tracker.incidents import services
from tracker.incidents.selectors import situation_for
from tracker.reminders import followup, planning
from tracker.reminders.mail import message_for
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db


def follow_up_row(incident):
    return Reminder.objects.get(incident=incident, kind=Reminder.Kind.FOLLOW_UP)


def test_the_nudge_names_the_send_time_in_both_zones(user):
    incident = scenarios.requested(user)  # the person in Chicago, the other side in Kolkata
    row = follow_up_row(incident)
    situation = situation_for(incident)
    assert situation.recipient_tz == "Asia/Kolkata"
    send = followup.send_time(situation, now=row.due_at)
    assert working_hours.is_working_time(send.at, "Asia/Kolkata")
    # No overlap of Kolkata's working day with Chicago's waking hours: the evening before.
    local_due = row.due_at.astimezone(ZoneInfo("America/Chicago"))
    assert (local_due.hour, local_due.minute) == (20, 30)
    assert row.due_at < send.at
    body = message_for(row, now=row.due_at).body
    assert f"Send it {send.text}" in body
    assert "IST" in send.text and "CST for you" in send.text


def test_a_recruiter_in_another_zone_moves_the_nudge_into_their_hours(user):
    incident = scenarios.requested(user)
    services.contact_save(
        owner=user,
        incident=incident,
        name="Ana",
        role="recruiter",
        email="ana@acme.example",
        time_zone="America/New_York",
        now=REQUESTED_AT + timedelta(minutes=1),
    )
    row = follow_up_row(incident)
    send = followup.send_time(situation_for(incident), now=row.due_at)
    assert send.zone == "America/New_York" and send.country == "US"
    assert send.at - row.due_at == planning.FOLLOW_UP_LEAD
    local = send.at.astimezone(ZoneInfo("America/New_York"))
    # Not before 09:00 in the person's zone on the 3rd business day: 10:00 in New York.
    assert (local.hour, local.minute) == (10, 0)
    assert send.text == "Thursday 5 Mar 10:00 EST (09:00 CST for you)"
    assert f"Send it {send.text}" in message_for(row, now=row.due_at).body


def test_no_send_time_once_they_replied(user):
    incident = scenarios.requested(user)
    r = situation_for(incident).current
    services.reschedule_reply(reschedule=r, reply="declined", now=REQUESTED_AT + timedelta(hours=1))
    assert followup.send_time(situation_for(incident), now=REQUESTED_AT) is None


def test_the_follow_up_draft_names_the_send_time(client_for, user):
    import time_machine
    from django.urls import reverse

    incident = scenarios.requested(user)
    with time_machine.travel(REQUESTED_AT + timedelta(hours=1), tick=False):
        page = client_for(user).get(reverse("draft", args=[incident.pk, "follow_up"]))
        send = followup.send_time(situation_for(incident), now=REQUESTED_AT + timedelta(hours=1))
    html = page.content.decode()
    assert 'id="send-time"' in html
    assert f"Send it {send.text}" in html
    assert "09:00–17:00 in Asia/Kolkata" in html

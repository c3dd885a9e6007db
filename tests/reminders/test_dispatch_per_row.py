"""The dispatcher's per-row steps before a send: the row must still be ours when its incident
is held (one statement), its lease is renewed only when what is left cannot cover the slowest
allowed reply, and a person's confirmed address is looked up once per batch."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reminders.test_dispatch import DUE_1H, confirmed
from tracker.reminders import dispatch
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
S = Reminder.Status
LEASE = timedelta(seconds=120)


def claimed_1h(user, *, lease=LEASE):
    """The 1 h reminder of a confirmed interview, claimed at its due time."""
    incident = confirmed(user)
    token, ids = dispatch.claim(now=DUE_1H, limit=50, lease=lease)
    row = Reminder.objects.get(incident=incident, kind=Reminder.Kind.BEFORE_1H)
    assert row.pk in ids
    return incident, token, row


def test_a_row_taken_away_after_the_claim_is_not_sent(user):
    _, token, row = claimed_1h(user)
    # Staff cancelled it (or its lease ran out and another dispatcher took it) meanwhile.
    Reminder.objects.filter(pk=row.pk).update(status=S.CANCELLED, lease_token="")
    with time_machine.travel(DUE_1H + timedelta(seconds=1), tick=False):
        result = dispatch.process(token, [row.pk], lease=LEASE)
    assert (result.sent, mail.outbox) == (0, [])
    assert Reminder.objects.get(pk=row.pk).status == S.CANCELLED


def test_the_lease_is_renewed_only_when_too_short_for_the_slowest_reply(user, settings):
    settings.EMAIL_TIMEOUT, settings.REMINDER_LEASE_MARGIN_SECONDS = 20, 5
    _, token, row = claimed_1h(user)
    now = DUE_1H + timedelta(seconds=1)
    row.refresh_from_db()
    claimed_until = row.lease_expires_at
    with CaptureQueriesContext(connection) as queries:
        assert dispatch._renew_if_short(row, token, LEASE, now)
    assert queries.captured_queries == []  # 119 s left: enough for 20 s and a margin
    later = claimed_until - timedelta(seconds=24)  # 24 s left: not enough
    assert dispatch._renew_if_short(row, token, LEASE, later)
    assert Reminder.objects.get(pk=row.pk).lease_expires_at == later + LEASE
    # Not ours any more: refused, nothing written.
    Reminder.objects.filter(pk=row.pk).update(lease_token="someone-else")
    row.lease_expires_at = later
    assert not dispatch._renew_if_short(row, token, LEASE, later)


def test_the_address_is_looked_up_once_per_person_per_batch(user):
    for _ in range(3):
        confirmed(user)
    with time_machine.travel(DUE_1H + timedelta(seconds=1), tick=False):
        token, ids = dispatch.claim(now=DUE_1H, limit=50, lease=LEASE)
        with CaptureQueriesContext(connection) as queries:
            result = dispatch.process(token, ids, lease=LEASE)
    assert result.sent == 3 and len(mail.outbox) == 3
    asked = [q for q in queries.captured_queries if "account_emailaddress" in q["sql"]]
    assert len(asked) == 1


def test_an_unconfirmed_address_still_holds_every_reminder_of_the_batch(user):
    for _ in range(2):
        confirmed(user)
    user.emailaddress_set.update(verified=False)
    with time_machine.travel(DUE_1H + timedelta(seconds=1), tick=False):
        token, ids = dispatch.claim(now=DUE_1H, limit=50, lease=LEASE)
        result = dispatch.process(token, ids, lease=LEASE)
    assert (result.sent, result.skipped, mail.outbox) == (0, 2, [])

"""Mail only to an address that said yes: a person who has not confirmed their address gets no
reminder (it is skipped with the reason, shown on the panel), and the reminders still ahead come
back once they confirm it."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail

from tests.factories import UserFactory
from tests.scenarios import START, confirmed, notices_sent, reminders_by_kind
from tracker.reminders import dispatch
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
K = Reminder.Kind
DUE_24H = START - timedelta(hours=24)


def test_no_reminder_goes_to_an_unconfirmed_address_and_they_come_back_once_confirmed():
    user = UserFactory(email_verified=False)
    incident = notices_sent(confirmed(user))
    mail.outbox.clear()
    with time_machine.travel(DUE_24H + timedelta(seconds=1), tick=False):
        dispatch.run()
    day_before = reminders_by_kind(incident)[K.BEFORE_24H]
    assert day_before.status == "skipped" and "not confirmed" in day_before.reason
    assert mail.outbox == []

    # They confirm their address an hour later: the 24 h reminder is still before its expiry
    # (2 h before the start) and goes out at once, with the true time left.
    at = DUE_24H + timedelta(hours=1)
    address = EmailAddress.objects.get(user=user)
    address.verified = True
    address.save()
    with time_machine.travel(at, tick=False):
        email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
        dispatch.run()
    day_before.refresh_from_db()
    assert day_before.status == "sent"
    (message,) = mail.outbox
    assert user.email in message.to[0]
    assert "in 23 hours" in message.body

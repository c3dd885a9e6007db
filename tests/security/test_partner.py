"""Mail only to addresses that said yes (issue 12): the accountability partner's address gets
an invitation that says who asked and what they would receive, with signed, expiring accept and
decline links and a stop link; nothing else until they accept; nothing after they decline or
stop; the person sees the partner's state. The invitation's subject holds nothing the person
typed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import scenarios
from tests.factories import UserFactory
from tests.helpers import frozen_clock
from tracker.accounts import partner
from tracker.accounts.forms import REMINDER_KINDS
from tracker.accounts.models import Profile
from tracker.reminders.mail import message_for
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db

PARTNER = "sam@example.org"
_capture = None
PHISH = "Click https://phish.example/login"
NOW = scenarios.CONFIRMED_AT + timedelta(minutes=5)


clock = frozen_clock(NOW)


@pytest.fixture
def person(clock):
    user = UserFactory()
    user.profile.full_name = "Maria Lopez"
    user.profile.save()
    return user


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    """The invitation is sent once the profile's transaction commits (on_commit), which a
    test's own transaction never does: run those callbacks as a real commit would."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def set_partner(client, email=PARTNER, full_name="Maria Lopez"):
    with _capture(execute=True):
        return client.post(reverse("profile"), {
            "full_name": full_name, "phone": "", "time_zone": "America/Chicago",
            "partner_email": email, "reminders": REMINDER_KINDS,
        })


def partner_mail():
    return [m for m in mail.outbox if PARTNER in m.to + m.cc + m.bcc]


def link(message, action: str) -> str:
    words = {"accept": "Accept", "decline": "Decline", "stop": "Stop all email"}
    match = re.search(rf"{words[action]}[^\n]*?: (http\S+)", message.body)
    return match.group(1).split("testserver", 1)[-1].split("127.0.0.1:8000", 1)[-1]


def answer(url):
    client = Client()
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, follow=True)


def day_before_copies(user):
    """What the 24 h reminder of a confirmed interview sends to the partner: a Cc on the
    person's email or the partner's own copy (whichever the reminder engine does)."""
    incident = scenarios.confirmed(user)
    sent = []
    for row in Reminder.objects.filter(incident=incident):
        if row.kind in ("before_24h", "partner_before_24h") and row.status != "skipped":
            message = message_for(row)
            sent += [a for a in message.to + message.cc if a == PARTNER]
    return sent


def test_the_invitation_says_who_asked_and_what_they_would_receive(client, person):
    client.force_login(person)
    response = set_partner(client, full_name="Maria Lopez")
    assert response.status_code == 302

    (invitation,) = partner_mail()
    assert invitation.to == [PARTNER] and invitation.cc == []
    assert invitation.subject == partner.SUBJECT
    assert "Maria Lopez" in invitation.body and person.email in invitation.body
    assert "24 hours before each rescheduled interview" in invitation.body
    for action in ("accept", "decline", "stop"):
        assert "/accounts/partner/" in link(invitation, action)
    assert "List-Unsubscribe" in invitation.extra_headers
    person.profile.refresh_from_db()
    assert person.profile.partner_state == Profile.PartnerState.INVITED


def test_no_text_the_person_typed_is_in_the_subject(client, person):
    client.force_login(person)
    set_partner(client, full_name=PHISH)
    (invitation,) = partner_mail()
    assert "phish" not in invitation.subject.lower()
    assert invitation.subject == partner.SUBJECT


def test_nothing_but_the_invitation_goes_to_the_partner_before_they_accept(client, person):
    client.force_login(person)
    set_partner(client)
    mail.outbox.clear()
    assert day_before_copies(person) == []


def test_after_accepting_the_partner_gets_the_day_before_reminder(client, person):
    client.force_login(person)
    set_partner(client)
    (invitation,) = partner_mail()
    done = answer(link(invitation, "accept"))
    assert "Thank you" in done.content.decode()
    person.profile.refresh_from_db()
    assert person.profile.partner_state == Profile.PartnerState.ACCEPTED
    assert day_before_copies(person) == [PARTNER]
    page = client.get(reverse("profile")).content.decode()
    assert "Accepted" in page


@pytest.mark.parametrize("action", ["decline", "stop"])
def test_after_declining_or_stopping_nothing_more_goes_to_the_partner(client, person, action):
    client.force_login(person)
    set_partner(client)
    (invitation,) = partner_mail()
    answer(link(invitation, action))
    person.profile.refresh_from_db()
    assert person.profile.partner_state == action + ("d" if action == "decline" else "ped")
    assert day_before_copies(person) == []
    label = "Declined" if action == "decline" else "Stopped all email"
    assert label in client.get(reverse("profile")).content.decode()


def test_stop_after_accepting_stops_and_the_person_cannot_invite_again(client, person):
    client.force_login(person)
    set_partner(client)
    (invitation,) = partner_mail()
    answer(link(invitation, "accept"))
    answer(link(invitation, "stop"))
    person.profile.refresh_from_db()
    assert person.profile.partner_state == Profile.PartnerState.STOPPED
    assert day_before_copies(person) == []
    # Clearing and giving the address again does not send a new invitation.
    set_partner(client, email="")
    mail.outbox.clear()
    response = set_partner(client)
    assert response.status_code == 200
    assert "asked us not to email them" in response.content.decode()
    assert partner_mail() == []


def test_a_link_only_looks_on_get_so_a_mail_scanner_cannot_answer(client, person):
    client.force_login(person)
    set_partner(client)
    (invitation,) = partner_mail()
    for action in ("accept", "decline", "stop"):
        assert Client().get(link(invitation, action)).status_code == 200
    person.profile.refresh_from_db()
    assert person.profile.partner_state == Profile.PartnerState.INVITED


def test_the_links_are_signed_and_accept_expires(client, person, clock):
    client.force_login(person)
    set_partner(client)
    (invitation,) = partner_mail()
    accept = link(invitation, "accept")
    tampered = accept[:-6] + ("A" if accept[-6] != "A" else "B") + accept[-5:]
    assert Client().post(tampered).status_code == 400
    clock.shift(timedelta(days=partner.PARTNER_LINK_DAYS + 1))
    assert "expired" in Client().post(accept).content.decode()
    person.profile.refresh_from_db()
    assert person.profile.partner_state == Profile.PartnerState.INVITED
    # Stop still works, however old.
    answer(link(invitation, "stop"))
    person.profile.refresh_from_db()
    assert person.profile.partner_state == Profile.PartnerState.STOPPED


def test_a_link_for_a_former_partner_does_nothing(client, person):
    client.force_login(person)
    set_partner(client)
    (invitation,) = partner_mail()
    set_partner(client, email="other@example.org")
    response = answer(link(invitation, "accept"))
    assert "no longer in use" in response.content.decode()
    person.profile.refresh_from_db()
    assert person.profile.partner_email == "other@example.org"
    assert person.profile.partner_state == Profile.PartnerState.INVITED


def test_an_unconfirmed_person_cannot_invite_a_partner(client, clock):
    user = UserFactory(email_verified=False)
    client.force_login(user)
    response = set_partner(client)
    assert response.status_code == 200
    assert "Confirm your own email address first" in response.content.decode()
    assert partner_mail() == []

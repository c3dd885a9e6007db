"""The one-click unsubscribe (RFC 8058) of one reminder kind: a POST without a login or a CSRF
token answers 200 and turns off exactly that kind; the GET page only shows what the link does
and offers to undo; a changed token does nothing."""

import email
import email.policy
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.scenarios import T0, confirmed
from tracker.reminders.mail import message_for
from tracker.reminders.models import Reminder
from tracker.reminders.unsubscribe import make_token

pytestmark = pytest.mark.django_db
K = Reminder.Kind
NOW = T0 + timedelta(hours=3)  # the interview is days ahead


def unsubscribe_link(incident, kind):
    row = Reminder.objects.get(incident=incident, kind=kind)
    msg = email.message_from_bytes(message_for(row, now=row.due_at).message().as_bytes(),
                                   policy=email.policy.default)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = msg["List-Unsubscribe"].strip("<>")
    return url.removeprefix("http://127.0.0.1:8000")


def test_a_one_click_post_without_login_or_csrf_turns_off_exactly_that_kind(user):
    incident = confirmed(user)
    path = unsubscribe_link(incident, K.BEFORE_1H)
    mail_client = Client(enforce_csrf_checks=True)  # no session, no cookie, no token
    with time_machine.travel(NOW, tick=False):
        response = mail_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    user.profile.refresh_from_db()
    assert user.profile.reminders_off == [K.BEFORE_1H]
    rows = {r.kind: r for r in Reminder.objects.filter(incident=incident)}
    assert rows[K.BEFORE_1H].status == "skipped" and "turned off" in rows[K.BEFORE_1H].reason
    assert rows[K.BEFORE_24H].status == "pending"
    # Twice is the same as once.
    assert mail_client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    user.profile.refresh_from_db()
    assert user.profile.reminders_off == [K.BEFORE_1H]


def test_the_page_changes_nothing_on_get_and_offers_to_undo(user):
    incident = confirmed(user)
    path = unsubscribe_link(incident, K.INTERVIEW_CONFIRMED)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200
    assert "Stop “Interview confirmed” emails" in page.content.decode()
    user.profile.refresh_from_db()
    assert user.profile.reminders_off == []  # a link scanner's GET stops nothing
    done = browser.post(path, {"action": "off"}, follow=True)
    assert done.redirect_chain == [(path, 302)] and done.status_code == 200
    assert "“Interview confirmed” emails are off" in done.content.decode()
    assert "Undo" in done.content.decode()
    user.profile.refresh_from_db()
    assert user.profile.reminders_off == [K.INTERVIEW_CONFIRMED]
    undone = browser.post(path, {"action": "on"}, follow=True)
    assert "back on" in undone.content.decode()
    user.profile.refresh_from_db()
    assert user.profile.reminders_off == []


def test_turned_back_on_a_reminder_still_ahead_is_pending_again(user):
    incident = confirmed(user)
    path = unsubscribe_link(incident, K.BEFORE_24H)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.post(path, {"List-Unsubscribe": "One-Click"})
        assert Reminder.objects.get(incident=incident, kind=K.BEFORE_24H).status == "skipped"
        client.post(path, {"action": "on"})
    row = Reminder.objects.get(incident=incident, kind=K.BEFORE_24H)
    assert row.status == "pending"


@pytest.mark.parametrize("token", ["nonsense", "x" * 300])
def test_a_changed_or_foreign_token_does_nothing(user, token):
    confirmed(user)
    good = make_token(user_id=user.pk, kind=K.BEFORE_1H)
    for bad in (token, good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
                make_token(user_id=user.pk + 999, kind=K.BEFORE_1H)):
        url = reverse("reminder_unsubscribe", args=[bad])
        assert Client().post(url, {"List-Unsubscribe": "One-Click"}).status_code == 404
    user.profile.refresh_from_db()
    assert user.profile.reminders_off == []


def test_the_token_names_one_kind_and_cannot_be_made_for_the_test_reminder():
    with pytest.raises(ValueError):
        make_token(user_id=1, kind="test")


def test_the_other_kinds_are_untouched_and_the_page_needs_no_login(user, client):
    incident = confirmed(user)
    user.profile.reminders_off = [K.FOLLOW_UP]
    user.profile.save()
    path = unsubscribe_link(incident, K.THANK_YOU)
    assert client.get(path).status_code == 200  # not redirected to the login page
    client.post(path, {"List-Unsubscribe": "One-Click"})
    user.profile.refresh_from_db()
    assert sorted(user.profile.reminders_off) == sorted([K.FOLLOW_UP, K.THANK_YOU])

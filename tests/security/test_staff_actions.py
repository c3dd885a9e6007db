"""Staff actions with the right permission (issue 12): cancelling, retrying and restoring
reminders in the admin need `reminders.change_reminder`; a view-only staff member gets a 403 and
the rows stay as they were (with "select all" too). Each action asks why, and is recorded with
who, when and why in the admin log and the incident's timeline. A reminder staff cancelled can
be restored (a later re-sync used to leave it cancelled for ever)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests import scenarios
from tests.factories import UserFactory
from tests.helpers import frozen_clock
from tracker.incidents.models import TimelineEvent
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:reminders_reminder_changelist"
NOW = scenarios.CONFIRMED_AT + timedelta(minutes=5)


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="reminders", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return user, client


clock = frozen_clock(NOW)


@pytest.fixture
def confirmed(clock):
    """An incident with a confirmed interview: its 24 h and 1 h reminders are pending."""
    incident = scenarios.confirmed(UserFactory())
    assert Reminder.objects.filter(incident=incident, status="pending").count() >= 2
    return incident


def snapshot():
    return sorted(Reminder.objects.values_list("pk", "status", "reason", "attempts"))


def act(client, action, rows=None, *, reason="Spam report from the recipient", across=False):
    data = {"action": action, "index": "0"}
    if across:
        data["select_across"] = "1"
        data["_selected_action"] = [str(r.pk) for r in Reminder.objects.all()[:1]]
    else:
        data["_selected_action"] = [str(r.pk) for r in rows]
    if reason is not None:
        data["reason"] = reason
        data["apply"] = "1"
    return client.post(reverse(CHANGELIST), data)


@pytest.mark.parametrize("action", ["cancel_pending", "retry_failed", "restore_cancelled"])
@pytest.mark.parametrize("across", [False, True])
def test_view_only_staff_get_a_403_and_nothing_changes(confirmed, action, across):
    Reminder.objects.filter(incident=confirmed, kind="before_1h").update(
        status="failed", last_error="550 no such user"
    )
    _, viewer = staff_with("view_reminder")
    assert viewer.get(reverse(CHANGELIST)).status_code == 200
    before = snapshot()

    response = act(viewer, action, Reminder.objects.all(), across=across)

    assert response.status_code == 403
    assert snapshot() == before
    assert not TimelineEvent.objects.filter(kind__startswith="staff_").exists()


def test_view_only_staff_are_not_offered_the_actions(confirmed):
    _, viewer = staff_with("view_reminder")
    html = viewer.get(reverse(CHANGELIST)).content.decode()
    for action in ("cancel_pending", "retry_failed", "restore_cancelled"):
        assert f'value="{action}"' not in html


def test_cancel_asks_why_then_records_who_when_and_why(confirmed):
    member, staff = staff_with("view_reminder", "change_reminder")
    pending = list(Reminder.objects.filter(incident=confirmed, status="pending"))

    ask = act(staff, "cancel_pending", pending, reason=None)
    assert ask.status_code == 200
    assert 'name="reason"' in ask.content.decode()
    ids = [p.pk for p in pending]
    assert all(r.status == "pending" for r in Reminder.objects.filter(pk__in=ids))

    done = act(staff, "cancel_pending", pending, reason="Recipient asked us to stop")
    assert done.status_code == 302
    assert set(Reminder.objects.filter(pk__in=[p.pk for p in pending])
               .values_list("status", flat=True)) == {"cancelled"}
    event = TimelineEvent.objects.get(incident=confirmed, kind="staff_reminders_cancelled")
    assert event.actor == member
    assert event.at == NOW
    assert "Recipient asked us to stop" in event.message
    logs = LogEntry.objects.filter(user=member)
    assert logs.count() == len(pending)
    assert all("Recipient asked us to stop" in e.get_change_message() for e in logs)


def test_an_empty_reason_is_refused(confirmed):
    _, staff = staff_with("view_reminder", "change_reminder")
    pending = list(Reminder.objects.filter(incident=confirmed, status="pending"))
    response = act(staff, "cancel_pending", pending, reason="   ")
    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    assert Reminder.objects.filter(pk__in=[p.pk for p in pending], status="pending").count() == len(
        pending)


def test_a_reminder_cancelled_by_staff_can_be_restored_and_stays_restored(confirmed):
    from tracker.reminders.services import reminders_sync

    _, staff = staff_with("view_reminder", "change_reminder")
    pending = list(Reminder.objects.filter(incident=confirmed, status="pending"))
    act(staff, "cancel_pending", pending)
    # The finding: a re-sync leaves a staff cancel cancelled.
    reminders_sync(incident=confirmed, now=NOW)
    assert not Reminder.objects.filter(pk__in=[p.pk for p in pending], status="pending").exists()

    response = act(staff, "restore_cancelled", pending, reason="Cancelled by mistake")

    assert response.status_code == 302
    restored = Reminder.objects.filter(pk__in=[p.pk for p in pending])
    assert set(restored.values_list("status", flat=True)) == {"pending"}
    assert TimelineEvent.objects.filter(incident=confirmed, kind="staff_reminders_restored",
                                        message__contains="Cancelled by mistake").exists()
    reminders_sync(incident=confirmed, now=NOW)
    assert set(restored.values_list("status", flat=True)) == {"pending"}


def test_retry_needs_change_permission_and_is_recorded(confirmed):
    member, staff = staff_with("view_reminder", "change_reminder")
    row = Reminder.objects.get(incident=confirmed, kind="before_1h")
    Reminder.objects.filter(pk=row.pk).update(status="failed", last_error="421 try later")

    response = act(staff, "retry_failed", [row], reason="The mail server is back")

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "pending"
    event = TimelineEvent.objects.get(incident=confirmed, kind="staff_reminders_retried")
    assert event.actor == member and "The mail server is back" in event.message

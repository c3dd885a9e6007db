"""tracker/reminders/admin.py: filters, search, and the two actions through services."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.scenarios import T0, confirmed
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
S = Reminder.Status
URL = reverse("admin:reminders_reminder_changelist")


def test_changelist_filters_by_status_and_kind_and_searches_person_and_company(
    admin_client, user
):
    confirmed(user)
    other = confirmed(user)
    other.company = "Globex"
    other.save()
    assert admin_client.get(URL).status_code == 200
    r = admin_client.get(URL, {"status__exact": "pending", "kind__exact": "before_1h"})
    assert r.status_code == 200 and len(r.context["cl"].result_list) == 2
    r = admin_client.get(URL, {"q": "Globex"})
    assert {x.incident.company for x in r.context["cl"].result_list} == {"Globex"}
    r = admin_client.get(URL, {"q": user.profile.full_name})
    assert len(r.context["cl"].result_list) == Reminder.objects.count()
    row = Reminder.objects.first()
    page = admin_client.get(reverse("admin:reminders_reminder_change", args=[row.pk]))
    assert page.status_code == 200


def test_retry_action_requeues_failed_and_cancel_action_cancels_pending(admin_client, user):
    incident = confirmed(user)
    one = Reminder.objects.get(incident=incident, kind="before_1h")
    day = Reminder.objects.get(incident=incident, kind="before_24h")
    Reminder.objects.filter(pk=one.pk).update(status=S.FAILED, last_error="SMTP 550 nope")
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        # Each staff action asks why first (issue 12): the reason comes with "apply".
        why = {"apply": "1", "reason": "Checked with the person"}
        admin_client.post(URL, {"action": "retry_failed", "_selected_action": [one.pk], **why})
        admin_client.post(URL, {"action": "cancel_pending", "_selected_action": [day.pk], **why})
    one.refresh_from_db()
    day.refresh_from_db()
    assert one.status == S.PENDING and one.attempts == 0
    assert day.status == S.CANCELLED and day.reason == "Cancelled by staff."


def test_rows_cannot_be_added_or_edited_by_hand(admin_client, user):
    confirmed(user)
    row = Reminder.objects.first()
    assert admin_client.get(reverse("admin:reminders_reminder_add")).status_code == 403
    change = reverse("admin:reminders_reminder_change", args=[row.pk])
    admin_client.post(change, {"status": "sent"})
    row.refresh_from_db()
    assert row.status != "sent"

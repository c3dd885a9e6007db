"""A dispatcher that is not running shows: /healthz and `manage.py reminders_health` fail when
due reminders sit pending past two ticks while none moves, and not during a backlog that is
being worked through."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests import scenarios
from tests.scenarios import START, notices_sent
from tracker.reminders.models import Reminder


def confirmed(owner, **kw):
    """Confirmed, its confirmation email already sent (the dispatcher sends it at once): the
    tests here are about the reminders that follow."""
    return notices_sent(scenarios.confirmed(owner, **kw))


pytestmark = pytest.mark.django_db
DUE_1H = START - timedelta(hours=1)


@pytest.fixture
def broker_ok(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path),
    }
    settings.REMINDER_TICK_SECONDS = 10


def test_due_reminders_left_unsent_past_two_ticks_make_healthz_fail(user, client, broker_ok):
    confirmed(user)
    with time_machine.travel(DUE_1H + timedelta(seconds=15), tick=False):
        assert client.get("/healthz").status_code == 200  # within two ticks: fine
    with time_machine.travel(DUE_1H + timedelta(seconds=25), tick=False):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["checks"]["reminders"] == "error"
        with pytest.raises(CommandError, match="1 due reminder"):
            call_command("reminders_health")


def test_a_backlog_that_is_moving_is_not_stuck(user, client, broker_ok):
    confirmed(user)
    other = confirmed(user)
    late = DUE_1H + timedelta(seconds=25)
    # Another reminder was just sent: a dispatcher is at work on the backlog.
    Reminder.objects.filter(incident=other, kind="before_1h").update(
        status="sent", sent_at=late - timedelta(seconds=3), updated_at=late - timedelta(seconds=3)
    )
    with time_machine.travel(late, tick=False):
        assert client.get("/healthz").json()["checks"]["reminders"] == "ok"
        call_command("reminders_health")


def test_nothing_due_is_healthy(client, broker_ok):
    assert client.get("/healthz").json()["checks"] == {
        "database": "ok", "broker": "ok", "reminders": "ok",
    }

"""The Celery side: the beat tick, and no long eta/countdown anywhere."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from celery.app.task import Task

from tests.scenarios import T0, confirm, confirmed
from tracker.celery import DISPATCH_TASK, app
from tracker.reminders import services
from tracker.reminders.tasks import dispatch_due

ROOT = Path(__file__).resolve().parents[2]
MAX_DELAY = 300  # "a few minutes"


def test_beat_sends_the_dispatch_tick_every_reminder_tick(settings):
    entry = app.conf.beat_schedule["dispatch-due-reminders"]
    assert entry["task"] == DISPATCH_TASK == dispatch_due.name
    assert entry["schedule"] == settings.REMINDER_TICK_SECONDS
    assert "eta" not in entry["options"] and "countdown" not in entry["options"]


def test_celery_settings_are_the_safe_ones():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result
    assert conf.broker_connection_retry_on_startup
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit


def test_no_source_file_queues_with_eta_or_countdown():
    pattern = re.compile(r"\b(eta|countdown)\s*=")
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tracker").rglob("*.py")
        if pattern.search(p.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_nothing_is_queued_with_a_long_eta_or_countdown(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def record(self, args=None, kwargs=None, **options):
        calls.append(options)

    monkeypatch.setattr(Task, "apply_async", record)
    incident = confirmed(user)
    confirm(incident, start=incident.interview_at + timedelta(days=30),
            now=T0 + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_send_test(incident=incident, now=T0 + timedelta(hours=3))
    assert calls, "the test reminder should kick the dispatcher"
    for options in calls:
        assert options.get("countdown", 0) <= MAX_DELAY
        assert "eta" not in options


def test_dispatch_task_runs_the_dispatcher(monkeypatch):
    from tracker.reminders import dispatch

    monkeypatch.setattr(dispatch, "run", lambda: dispatch.Result(sent=2, batches=1))
    assert dispatch_due.run() == {"sent": 2, "failed": 0, "retrying": 0}

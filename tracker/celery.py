"""The Celery app. Settings come from Django's settings under the CELERY_ namespace.

Beat sends one "dispatch due reminders" tick every settings.REMINDER_TICK_SECONDS. Ticks carry no
data; the reminders are rows in the database, claimed with a lease (tracker/reminders/dispatch.py).
Nothing is ever queued with a long eta or countdown: on Redis such tasks come back after the
visibility timeout, and a revoke lives only in one worker's memory.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

DISPATCH_TASK = "tracker.reminders.tasks.dispatch_due"


def beat_schedule(tick: float) -> dict:
    return {
        "dispatch-due-reminders": {
            "task": DISPATCH_TASK,
            "schedule": tick,
            # A tick nobody took within a few ticks (workers down) is dropped, not piled up:
            # the next tick does the same work.
            "options": {"expires": max(3 * tick, 30.0)},
        }
    }


@app.on_after_configure.connect
def _add_beat_schedule(sender, **kwargs):
    from django.conf import settings

    # The filesystem broker (no server, the default) needs its folders before the first
    # message: a web process queuing "dispatch now" may start before any worker made them.
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if settings.CELERY_BROKER_URL.startswith("filesystem:"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)

    sender.conf.beat_schedule = {
        **(sender.conf.beat_schedule or {}),
        **beat_schedule(settings.REMINDER_TICK_SECONDS),
        # Issue 16: erase contact details past the retention period, expire exports.
        "privacy-retention-sweep": {
            "task": "tracker.privacy.tasks.retention_sweep",
            "schedule": settings.PRIVACY_SWEEP_SECONDS,
            "options": {"expires": settings.PRIVACY_SWEEP_SECONDS},
        },
    }

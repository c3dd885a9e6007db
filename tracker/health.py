"""Health endpoints for load balancers, container healthchecks and monitoring.

`/healthz` answers 200 only when the database and the Celery broker both answer and no due
reminder sits unsent past two dispatcher ticks: without the broker or a working dispatcher no
reminder goes out, which is the product's worst failure. `/healthz/live` checks
nothing, so it tells "the process serves requests" apart from "its dependencies are up".
Neither needs a login; neither says more than "ok" or "error" (details go to the log).
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

# A probe that waits longer than its caller's own timeout is useless; keep it short.
BROKER_TIMEOUT_SECONDS = 2


def _database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database check failed")
        return False
    return True


def _broker_ok() -> bool:
    # The same URL and options the Celery app reads from settings, read per request.
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
        ) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception:
        logger.exception("healthz: broker check failed")
        return False
    return True


def _reminders_moving() -> bool:
    """False when due reminders sit pending past two ticks and no dispatcher is moving any:
    the worker is gone or stuck, and an orchestrator should restart it."""
    from tracker.reminders.selectors import stuck_reminders

    try:
        stuck = stuck_reminders(now=timezone.now(), tick_seconds=settings.REMINDER_TICK_SECONDS)
    except Exception:
        logger.exception("healthz: reminders check failed")
        return False
    if stuck:
        logger.error("healthz: %d due reminders are not being sent", stuck)
    return not stuck


@login_not_required
@never_cache
@require_GET
def healthz(request):
    database = _database_ok()
    checks = {
        "database": "ok" if database else "error",
        "broker": "ok" if _broker_ok() else "error",
        "reminders": "ok" if database and _reminders_moving() else "error",
    }
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


@login_not_required
@never_cache
@require_GET
def live(request):
    return JsonResponse({"status": "ok"})

"""Two writers moving the same confirmed interview at once.

`race_two_moves()` runs in the test process on PostgreSQL. SQLite's in-memory test database is
shared between threads through its shared cache, whose table locks fail at once instead of
waiting, so on SQLite the race runs in a subprocess (`python -m tests.incidents.race`) against a
fresh database file, configured the way `make run` uses it (WAL, IMMEDIATE transactions).
"""

import json
import sys
import threading
import time
from datetime import timedelta


def race_two_moves() -> dict:
    from django.db import connections

    from tests import scenarios
    from tests.factories import UserFactory
    from tracker.incidents import phases
    from tracker.incidents.models import Incident, Reschedule
    from tracker.reminders import services as reminder_services

    incident = scenarios.confirmed(UserFactory())
    real_on_confirm, real_sync = phases.on_confirm, reminder_services.reminders_sync

    def on_confirm_slowly(*args, **kwargs):
        # Widen the window between reading the facts and writing the new version.
        result = real_on_confirm(*args, **kwargs)
        time.sleep(0.3)
        return result

    barrier = threading.Barrier(2)
    errors: list[str] = []

    def move(hours):
        try:
            barrier.wait(timeout=5)
            scenarios.confirm(
                Incident.objects.get(pk=incident.pk),
                start=scenarios.START + timedelta(hours=hours),
                now=scenarios.T0 + timedelta(hours=2),
            )
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(repr(exc))
        finally:
            connections.close_all()

    phases.on_confirm = on_confirm_slowly
    reminder_services.reminders_sync = lambda **kwargs: None
    try:
        threads = [threading.Thread(target=move, args=(h,)) for h in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        phases.on_confirm, reminder_services.reminders_sync = real_on_confirm, real_sync
    return {
        "errors": errors,
        "version": Reschedule.objects.get(incident=incident).version,
        "moves": list(
            incident.timeline.filter(message__startswith="Moved")
            .order_by("pk")
            .values_list("message", flat=True)
        ),
    }


def main() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    print(json.dumps(race_two_moves()))


if __name__ == "__main__":
    sys.exit(main())

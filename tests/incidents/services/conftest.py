"""The incident services' tests record every reminders_sync call (the `syncs` fixture)."""

import pytest
from django.db import connection

from tracker.incidents.models import Incident
from tracker.reminders import services as reminder_services


@pytest.fixture(autouse=True)
def syncs(monkeypatch):
    """Record each reminders_sync call: the incident's phase as the sync sees it in the
    database, and whether it runs inside the write's own transaction."""
    calls = []
    depth = len(connection.savepoint_ids)

    def record(*, incident, now):
        calls.append(
            {
                "incident": incident.pk,
                "now": now,
                "phase": Incident.objects.get(pk=incident.pk).phase,
                "in_write_transaction": connection.in_atomic_block
                and len(connection.savepoint_ids) > depth,
            }
        )

    # The incident services re-plan through tracker.reminders.services.reminders_sync.
    monkeypatch.setattr(reminder_services, "reminders_sync", record)
    return calls

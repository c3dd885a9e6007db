"""Every write of the incident domain: what it writes, the timeline event, the reminder sync in
the same transaction, and every refusal.

The shared helpers are here; the `syncs` fixture is in conftest.py."""

from tracker.incidents.models import Incident


def kinds(incident):
    return list(incident.timeline.order_by("pk").values_list("kind", flat=True))


def fresh(incident):
    return Incident.objects.get(pk=incident.pk)


def assert_synced_once_inside(syncs, incident, now):
    assert syncs[-1]["incident"] == incident.pk
    assert syncs[-1]["now"] == now
    assert syncs[-1]["in_write_transaction"]

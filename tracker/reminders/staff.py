"""Staff actions on reminders (the admin's cancel, retry and restore), each one recorded with
who, when and why on the incident's timeline. The writes themselves are the reminder services';
restoring clears the staff mark and lets `reminders_sync` decide what is still wanted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from tracker.incidents.models import Incident
from tracker.incidents.services.common import event

from . import services
from .models import Reminder

Status = Reminder.Status
RESTORED_REASON = "Restored by staff; no longer needed."


def _record(rows: Iterable[Reminder], *, kind: str, verb: str, actor, reason: str, now):
    by_incident: dict[int, list[Reminder]] = defaultdict(list)
    for row in rows:
        by_incident[row.incident_id].append(row)
    incidents = Incident.objects.in_bulk(list(by_incident))
    who = actor.get_username()
    for incident_id, its_rows in by_incident.items():
        kinds = ", ".join(sorted({r.get_kind_display() for r in its_rows}))
        event(
            incidents[incident_id],
            at=now,
            kind=kind,
            message=f"Staff ({who}) {verb} {len(its_rows)} reminder(s) ({kinds}). Why: {reason}",
            actor=actor,
        )


def _locked(reminders: Iterable[Reminder], status: str) -> list[Reminder]:
    ids = [r.pk for r in reminders]
    return list(Reminder.objects.select_for_update().filter(pk__in=ids, status=status))


@transaction.atomic
def reminders_staff_cancel(*, reminders, actor, reason: str, now: datetime) -> list[Reminder]:
    rows = _locked(reminders, Status.PENDING)
    services.reminders_cancel(reminders=rows, now=now)
    _record(rows, kind="staff_reminders_cancelled", verb="cancelled", actor=actor,
            reason=reason, now=now)
    return rows


@transaction.atomic
def reminders_staff_retry(
    *, reminders, actor, reason: str, now: datetime
) -> tuple[list[Reminder], int]:
    rows = _locked(reminders, Status.FAILED)
    _, too_late = services.reminders_retry(reminders=rows, now=now)
    requeued = list(Reminder.objects.filter(pk__in=[r.pk for r in rows], status=Status.PENDING))
    _record(requeued, kind="staff_reminders_retried", verb="queued again", actor=actor,
            reason=reason, now=now)
    return requeued, too_late


@transaction.atomic
def reminders_staff_restore(*, reminders, actor, reason: str, now: datetime) -> list[Reminder]:
    """Undo a staff cancel: the row loses its staff mark and the incident is re-synced, which
    puts it back to pending if it is still wanted and ahead (otherwise it stays cancelled)."""
    rows = [r for r in _locked(reminders, Status.CANCELLED)
            if r.reason == services.STAFF_CANCEL_REASON]
    Reminder.objects.filter(pk__in=[r.pk for r in rows]).update(
        reason=RESTORED_REASON, updated_at=now
    )
    for incident in Incident.objects.filter(pk__in={r.incident_id for r in rows}):
        services.reminders_sync(incident=incident, now=now)
    restored = list(Reminder.objects.filter(pk__in=[r.pk for r in rows], status=Status.PENDING))
    _record(restored, kind="staff_reminders_restored", verb="restored", actor=actor,
            reason=reason, now=now)
    return restored

"""The checklists around the interview: safeguards and promised materials.
"""

from __future__ import annotations

from datetime import date, datetime

from .. import phases
from ..models import Incident, PromisedMaterial, Safeguard
from ..phases import TransitionRefused
from ..selectors import situation_for
from .common import create, event, lock, record_and_sync, service


@service
def safeguard_set(*, safeguard: Safeguard, done: bool, actor=None, now: datetime) -> Safeguard:
    """Tick or untick one safeguard."""
    incident = safeguard.incident
    lock(incident)
    safeguard.refresh_from_db()
    if done == (safeguard.done_at is not None):
        return safeguard
    if done and safeguard.kind == Safeguard.Kind.DUPLICATE_ALARMS:
        # Issue 15: only a passed alarm self-test ticks it (services/alarm_test.py).
        raise TransitionRefused(
            "Use “Test my alarms” below: this one is ticked when a test alarm rang."
        )
    safeguard.done_at = now if done else None
    safeguard.save(update_fields=["done_at"])
    verb = "Done" if done else "Undone"
    record_and_sync(incident, now, kind="safeguard",
                    message=f"{verb}: {safeguard.get_kind_display()}", actor=actor)
    return safeguard


@service
def material_add(
    *, incident: Incident, description: str, due_on: date | None = None, actor=None,
    now: datetime,
) -> PromisedMaterial:
    """Something promised to the company (a portfolio link, references, a work sample)."""
    lock(incident)
    phases.require_open(situation_for(incident).facts, "add promised materials")
    material = create(
        PromisedMaterial(incident=incident, description=description, due_on=due_on)
    )
    due = f", due {due_on:%d %b %Y}" if due_on else ""
    record_and_sync(
        incident, now, kind="material", message=f"Promised: {description}{due}", actor=actor
    )
    return material


@service
def material_resolve(
    *, material: PromisedMaterial, status: str, actor=None, now: datetime
) -> PromisedMaterial:
    """Mark a promised item delivered or dropped."""
    if status not in (PromisedMaterial.Status.DELIVERED, PromisedMaterial.Status.DROPPED):
        raise TransitionRefused("Mark it delivered or dropped.")
    incident = material.incident
    lock(incident)
    material.refresh_from_db()
    phases.require_open(situation_for(incident).facts, "change promised materials")
    if material.status == status:
        return material
    material.status = status
    material.resolved_at = now
    material.save(update_fields=["status", "resolved_at"])
    record_and_sync(incident, now, kind="material",
                    message=f"{material.get_status_display()}: {material.description}",
                    actor=actor)
    return material


def safeguards_reopen_for_new_time(incident: Incident, *, now: datetime, actor=None) -> int:
    """The interview has a new time: the safeguards about its time (written confirmation, both
    zones in the invite, re-confirmation, alarms) were done for the old one and come back
    unticked. Called inside the confirming write's transaction, the incident locked."""
    stale = list(
        Safeguard.objects.filter(
            incident=incident, kind__in=phases.TIME_BOUND_SAFEGUARDS, done_at__isnull=False
        )
    )
    if not stale:
        return 0
    Safeguard.objects.filter(pk__in=[s.pk for s in stale]).update(done_at=None)
    names = "; ".join(s.get_kind_display() for s in stale)
    event(incident, at=now, kind="safeguard", message=f"Again for the new time: {names}",
          actor=actor)
    return len(stale)

"""What every incident service shares: its frame (`service`: one transaction, the clock handed
in, in UTC), the incident's lock, field validation, the timeline and the phase transition; and
`sync`, the call that re-plans the incident's reminders inside the write's transaction
(`record_and_sync`: a write's timeline line, then that call)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone  # is_naive only: services never read the clock

from tracker.reminders import services as reminders
from tracker.zones import is_zone

from .. import phases
from ..models import Contact, Incident, TimelineEvent
from ..phases import TransitionRefused

# PostgreSQL's "lock_not_available": the lock timeout ran out.
LOCK_NOT_AVAILABLE = "55P03"

F = TypeVar("F", bound=Callable)
M = TypeVar("M")

# Outreach may be logged a little ahead of the server clock (a phone's clock, a slow form).
CLOCK_SLACK = timedelta(minutes=5)


def service(func: F) -> F:
    """The frame of an incident service: its body runs in one transaction, with `now` (required,
    the caller's clock) checked and turned to UTC first."""

    @functools.wraps(func)
    def run(*args, now: datetime, **kwargs):
        with transaction.atomic():
            return func(*args, now=now_utc(now), **kwargs)

    return run


def now_utc(now: datetime) -> datetime:
    """The caller's clock, read once by the view or task: no service reads the clock itself."""
    if now is None:
        raise TypeError("services need `now`: read the clock once in the view or task")
    return utc(now, "now")


def utc(value: datetime, what: str = "time") -> datetime:
    """An aware instant in UTC. Normalising matters: two aware datetimes in the same zone
    compare by wall time and ignore `fold`, so the two 02:30s of a fall-back night would be
    equal."""
    if timezone.is_naive(value):
        raise ValueError(f"{what} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC)


def lock(incident: Incident) -> None:
    """Lock the incident's row until the transaction ends and reload it in place.

    Every write that reads facts and then writes takes this lock first, so two concurrent
    writes (two confirms, a reply racing a follow-up) run one after the other on fresh data and
    never both bump a version from the same base. On SQLite `select_for_update` does nothing,
    but the settings begin every transaction IMMEDIATE, which serialises writers the same way.

    A reminder of this incident being sent holds it too (the dispatcher's share lock, from its
    last check through the send): the write waits for that send, at most
    INCIDENT_LOCK_TIMEOUT_SECONDS, and then is refused with a message to try again.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)",
                [f"{int(settings.INCIDENT_LOCK_TIMEOUT_SECONDS * 1000)}ms"],
            )
    try:
        incident.refresh_from_db(from_queryset=Incident.objects.select_for_update())
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise TransitionRefused(
            "A reminder about this interview is being sent right now; try again in a moment."
        ) from exc


def clean(obj) -> None:
    """Field validation (choices, lengths, zones); the database enforces the constraints."""
    obj.full_clean(validate_unique=False, validate_constraints=False)


def create(obj: M) -> M:
    """Insert a new row once its fields are valid."""
    clean(obj)
    obj.save()
    return obj


def check_owner(incident: Incident, contact: Contact | None) -> None:
    # Views fetch contacts through the owner-scoped selector; this is the last line of defence.
    if contact is not None and contact.owner_id != incident.owner_id:
        raise PermissionDenied("That contact belongs to someone else.")


def event(incident: Incident, *, at: datetime, kind: str, message: str, actor=None) -> None:
    TimelineEvent.objects.create(
        incident=incident, at=at, kind=kind, message=message[:500], actor=actor
    )


def apply(
    incident: Incident,
    transition: phases.Transition,
    *,
    now: datetime,
    actor,
    update_fields: Sequence[str] = (),
) -> None:
    """Save `update_fields` and the phase `transition` together (the phase constraints check
    them as one row), and log the phase change."""
    fields = list(update_fields)
    changed = (transition.phase, transition.outcome) != (incident.phase, incident.outcome)
    old = incident.get_phase_display()
    if changed:
        incident.phase = transition.phase
        incident.outcome = transition.outcome
        incident.closed_at = now if transition.phase == phases.CLOSED else None
        fields += ["phase", "outcome", "closed_at"]
    if fields:
        incident.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    if changed:
        if transition.phase == phases.CLOSED:
            message = f"Closed: {incident.get_outcome_display()}"
        else:
            message = f"Phase: {old} → {incident.get_phase_display()}"
        event(incident, at=now, kind="phase", message=message, actor=actor)


def check_zone(name: str, field: str) -> None:
    if not is_zone(name):
        raise ValidationError({field: f"“{name}” is not a known IANA time zone."})


def sync(incident: Incident, now: datetime) -> None:
    """Re-plan the incident's reminders from its facts as they now stand (same transaction)."""
    reminders.reminders_sync(incident=incident, now=now)


def record_and_sync(incident: Incident, now: datetime, *, kind: str, message: str, actor) -> None:
    """The end of most writes: their line in the timeline at `now`, then `sync`."""
    event(incident, at=now, kind=kind, message=message, actor=actor)
    sync(incident, now)

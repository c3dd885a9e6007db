"""Reads of reminders for the person's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from tracker.zones import format_local

from .models import Reminder

Status = Reminder.Status
BADGES = {
    Status.PENDING: "text-bg-primary",
    Status.SENDING: "text-bg-info",
    Status.SENT: "text-bg-success",
    Status.FAILED: "text-bg-danger",
    Status.CANCELLED: "text-bg-secondary",
    Status.EXPIRED: "text-bg-warning",
    Status.SKIPPED: "text-bg-light",
}


@dataclass(frozen=True)
class PanelRow:
    kind: str
    due: str
    status: str
    status_label: str
    badge: str
    note: str
    sent: bool


@dataclass(frozen=True)
class ReminderPanel:
    incident_id: int
    rows: tuple[PanelRow, ...]
    zone: str
    has_interview: bool
    can_test: bool
    # No interview is confirmed, but the last one was called off: the calendar file is the
    # cancellation (a calendar that imports it drops the event).
    called_off: bool = False
    # Issue 15: the confirmed interview (its "I'm ready" / "re-confirmed" state is shown).
    interview: object = None


def _note(r: Reminder) -> str:
    if r.status == Status.FAILED:
        return r.last_error
    if r.status == Status.PENDING and r.last_error:
        return f"Retrying: {r.last_error}"
    return r.reason


def reminders_panel(*, situation) -> ReminderPanel:
    """Every reminder of the incident with its kind, due (or sent) time in the person's zone,
    status and reason, in one query; the rest comes from the incident's situation."""
    incident, person_tz = situation.incident, situation.person_tz
    rows = []
    for r in Reminder.objects.filter(incident=incident).order_by("due_at", "pk"):
        rows.append(
            PanelRow(
                kind=r.get_kind_display(),
                due=format_local(r.sent_at or r.due_at, person_tz),
                status=r.status,
                status_label=r.get_status_display(),
                badge=BADGES.get(r.status, "text-bg-light"),
                note=_note(r),
                sent=r.status == Status.SENT,
            )
        )
    return ReminderPanel(
        incident_id=incident.pk,
        rows=tuple(rows),
        zone=person_tz,
        has_interview=situation.interview is not None,
        can_test=situation.is_open,
        called_off=situation.interview is None and situation.called_off is not None,
        interview=situation.interview,
    )


def stuck_reminders(*, now: datetime, tick_seconds: float) -> int:
    """How many reminders sit due and pending past two dispatcher ticks while nothing moved
    (no claim or mark in those two ticks): the sign of a dispatcher that is not running. A long
    backlog that is being worked through is not stuck."""
    window = timedelta(seconds=2 * tick_seconds)
    late = Reminder.objects.filter(
        status=Status.PENDING, due_at__lte=now - window, expires_at__gt=now
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now - window))
    if not late.exists():
        return 0
    moving = Reminder.objects.filter(
        status__in=[Status.SENDING, Status.SENT, Status.FAILED], updated_at__gte=now - window
    ).exists()
    return 0 if moving else late.count()

"""The Reminder row: the truth about one planned reminder email.

`reminders_sync` (services.py) is the only writer of pending rows; the dispatcher (dispatch.py)
moves them pending -> sending -> sent / failed / pending again, with conditional updates.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q

from tracker.fields import text_choices

from . import planning


class Reminder(models.Model):
    # The kinds are owned by planning.py; the choices derive from its table.
    Kind = text_choices("Kind", planning.KIND_CHOICES)
    Status = text_choices("Status", {
        "pending": "Pending", "sending": "Sending", "sent": "Sent", "failed": "Failed",
        "cancelled": "Cancelled", "expired": "Expired", "skipped": "Skipped",
    })

    OPTIONAL_KINDS = planning.OPTIONAL_KINDS
    INTERVIEW_KINDS = planning.INTERVIEW_KINDS

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="reminders"
    )
    reschedule = models.ForeignKey(
        "incidents.Reschedule",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    kind = models.CharField(max_length=24, choices=Kind)
    # The reschedule's version the reminder was planned for (0 for incident-level kinds); for
    # a notice of a change to the interview (planning.NOTICE_KINDS), the calendar SEQUENCE of
    # that change.
    version = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Set after a transient SMTP error: the dispatcher leaves the row alone until then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The lease of the dispatcher that claimed the row (status sending).
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Why it was skipped, cancelled or expired, in words for the person.
    reason = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            # One planned reminder per (reschedule or incident, kind, version).
            models.UniqueConstraint(
                fields=["reschedule", "kind", "version"],
                condition=Q(reschedule__isnull=False),
                name="reminder_unique_per_reschedule",
            ),
            models.UniqueConstraint(
                fields=["incident", "kind", "version"],
                condition=Q(reschedule__isnull=True),
                name="reminder_unique_per_incident",
            ),
            models.CheckConstraint(
                name="reminder_expires_after_due", condition=Q(expires_at__gt=models.F("due_at"))
            ),
        ]
        indexes = [
            # The dispatcher's claim: pending rows by due time. Partial, so its size follows
            # the pending rows, not the millions already sent.
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="reminder_pending_due"
            ),
            # The dispatcher's lease sweep: rows stuck in sending by a dead worker.
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status="sending"),
                name="reminder_sending_lease",
            ),
            # The reminders panel and reminders_sync: one incident's rows.
            models.Index(fields=["incident", "due_at"], name="reminder_incident_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.incident_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.FAILED, self.Status.EXPIRED)


def message_id_for(
    *, incident_id: int, reschedule_id: int | None, kind: str, version: int
) -> str:
    """A Message-ID derived from what identifies the reminder, so that a duplicate (a crash in
    the SMTP reply gap) carries the same one and mail clients fold it."""
    domain = urlsplit(settings.SITE_URL).hostname or "tracker.invalid"
    anchor = f"r{reschedule_id}" if reschedule_id else "i0"
    return f"<reminder.{incident_id}.{anchor}.{kind}.v{version}@{domain}>"


def thread_id_for(incident_id: int) -> str:
    """The Message-ID every email about one incident refers to (References), so that mail
    clients thread them together."""
    domain = urlsplit(settings.SITE_URL).hostname or "tracker.invalid"
    return f"<incident.{incident_id}@{domain}>"

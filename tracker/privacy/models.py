"""Issue 16: the person's data is theirs.

- `DataExport`: one "download my data" ZIP, built in the request or by a Celery task, held in
  the database (web and worker share no disk) until it expires.
- `CoachAccess`: a coach the person invited by email; accepted through a signed link by the
  coach's own account; ended by the person at any time. Whether the coach sees contact details
  is the person's choice, kept here (not on the profile).
- `CoachComment`: a comment on one incident by the person's coach (or the person's reply).
- `ContactErasure`: the retention sweep erased the contact details of one closed incident.
- `DeletedAccount`: what the admin keeps of a deleted account: counts, no name, no address.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tracker.fields import long_text, text_choices


class DataExport(models.Model):
    Status = text_choices("Status", {
        "pending": "Waiting for the worker", "building": "Being prepared",
        "ready": "Ready to download", "failed": "Failed", "expired": "Expired",
    })

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    # What the builder is doing, in words for the person ("Writing outreach (3 of 14)").
    progress = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Rows written per table, for the page and the admin (counts only).
    counts = models.JSONField(default=dict, blank=True)
    size = models.PositiveIntegerField(default=0)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_owner_created")]
        constraints = [
            models.CheckConstraint(
                name="export_status_valid",
                condition=Q(status__in=["pending", "building", "ready", "failed", "expired"]),
            ),
            models.CheckConstraint(
                name="export_ready_has_expiry",
                condition=~Q(status="ready") | Q(expires_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Export #{self.pk} ({self.status})"


class CoachAccess(models.Model):
    State = text_choices("State", {
        "invited": "Invited, not accepted yet", "active": "Can see your incidents",
        "ended": "Access ended",
    })

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_accesses"
    )
    email = models.EmailField("coach's email")
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coaching",
    )
    share_contacts = models.BooleanField("share contact details with my coach", default=False)
    state = models.CharField(max_length=10, choices=State, default=State.INVITED)
    invited_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-invited_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="coach_state_valid", condition=Q(state__in=["invited", "active", "ended"])
            ),
            models.CheckConstraint(
                name="coach_active_has_coach",
                condition=~Q(state="active") | Q(coach__isnull=False, accepted_at__isnull=False),
            ),
            models.CheckConstraint(
                name="coach_ended_iff_ended_at",
                condition=(Q(state="ended") & Q(ended_at__isnull=False))
                | (~Q(state="ended") & Q(ended_at__isnull=True)),
            ),
            # One live invitation or access per person and address.
            models.UniqueConstraint(
                fields=["person", "email"],
                condition=~Q(state="ended"),
                name="coach_one_live_per_address",
            ),
        ]
        indexes = [models.Index(fields=["coach", "state"], name="coach_by_coach")]

    def __str__(self):
        return f"Coach access #{self.pk} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE


class CoachComment(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="coach_comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Whether the author wrote as the person's coach (else the person answering).
    by_coach = models.BooleanField(default=True)
    text = long_text(2000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["incident", "created_at"], name="comment_incident_at")]

    def __str__(self):
        return f"Comment #{self.pk} on incident {self.incident_id}"


class ContactErasure(models.Model):
    """The contact details of one closed incident were erased by the retention sweep."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="contact_erasure"
    )
    erased_at = models.DateTimeField()
    contacts_unlinked = models.PositiveIntegerField(default=0)
    contacts_deleted = models.PositiveIntegerField(default=0)
    outreach_cleared = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at", "-pk"]

    def __str__(self):
        return f"Contact details of incident {self.incident_id} erased"


class DeletedAccount(models.Model):
    """What is left of a deleted account: when, and how many rows of each kind went. No name,
    no address, no id of the person."""

    deleted_at = models.DateTimeField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-deleted_at", "-pk"]

    def __str__(self):
        return f"Account deleted on {self.deleted_at:%Y-%m-%d}"

"""The domain of a missed interview: the incident, its contacts, outreach, reschedules,
safeguards, promised materials and timeline.

Instants are stored in UTC next to the IANA zone they were agreed in.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from tracker.fields import long_text, text_choices, zone_field

# Text validators (issue 12): no bidi overrides, invisible-only values, U+FFFD or separators.
from tracker.validators import one_line_text

from . import phases


class Contact(models.Model):
    Role = text_choices("Role", {
        "interviewer": "Interviewer", "recruiter": "Recruiter", "hr": "HR",
        "coordinator": "Scheduling coordinator",
    })
    Channel = text_choices("Channel", {"phone": "Phone", "email": "Email", "any": "No preference"})

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=120, validators=[one_line_text])
    role = models.CharField(max_length=20, choices=Role, default=Role.INTERVIEWER)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True, validators=[one_line_text])
    time_zone = zone_field(blank=True)
    preferred_channel = models.CharField(max_length=10, choices=Channel, default=Channel.ANY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


class Incident(models.Model):
    # The phases and outcomes are owned by the rules (phases.py); the choices derive from them.
    Phase = text_choices("Phase", ((value, label) for value, label, _ in phases.PHASE_CHOICES))
    Outcome = text_choices("Outcome", phases.OUTCOME_CHOICES)
    Cause = text_choices("Cause", {
        "personal": "Overslept or personal error", "transit": "Transit or travel delay",
        "technical": "Technical failure", "emergency": "Emergency or medical",
        "timezone": "Time-zone error", "calendar": "Calendar error", "other": "Other",
    })
    Format = text_choices("Format", {"phone": "Phone", "video": "Video", "onsite": "On site"})

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incidents"
    )
    company = models.CharField(max_length=120, validators=[one_line_text])
    role = models.CharField(max_length=120, validators=[one_line_text])
    interview_at = models.DateTimeField(help_text="When the missed interview was (UTC).")
    interview_tz = zone_field()
    candidate_tz = zone_field()
    format = models.CharField(max_length=10, choices=Format, default=Format.VIDEO)
    cause = models.CharField(max_length=12, choices=Cause)
    discovered_at = models.DateTimeField()
    phase = models.CharField(max_length=12, choices=Phase, default=Phase.CONTAIN)
    outcome = models.CharField(max_length=12, choices=Outcome, blank=True)
    first_outreach_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    thank_you_sent_at = models.DateTimeField(null=True, blank=True)
    thank_you_topic = models.CharField(max_length=200, blank=True, validators=[one_line_text])
    closed_at = models.DateTimeField(null=True, blank=True)
    notes = long_text(5000, blank=True)
    lessons = long_text(5000, blank=True)
    contacts = models.ManyToManyField(Contact, related_name="incidents", blank=True)
    # The calendar SEQUENCE of the incident's interview (one calendar identity, one UID, per
    # incident): bumped by the reschedule services on every significant change (confirmed,
    # moved, details changed, called off), so every copy sent outranks the one before.
    calendar_sequence = models.PositiveIntegerField(default=0)
    # Issue 15: the latest alarm self-test: a throwaway event starting at `alarm_test_at` with
    # an alarm 5 minutes before it, and what the person answered ("rang" ticks the "Alarms on
    # two devices" safeguard; earlier tests are in the timeline).
    alarm_test_at = models.DateTimeField(null=True, blank=True)
    alarm_test_result = models.CharField(
        max_length=8, blank=True, choices=[("rang", "It rang"), ("silent", "It didn't ring")]
    )
    alarm_test_answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-discovered_at", "-pk"]
        indexes = [
            # The dashboard: a person's open incidents, newest first (the query excludes closed).
            models.Index(
                fields=["owner", "-discovered_at", "-id"],
                condition=~Q(phase="closed"),
                name="incident_open_by_owner",
            ),
            # History and the dashboard's phase filter: a person's incidents by discovery time.
            models.Index(fields=["owner", "phase", "-discovered_at"], name="incident_owner_phase"),
            models.Index(fields=["owner", "-discovered_at"], name="incident_owner_discovered"),
        ]
        constraints = [
            models.CheckConstraint(
                name="incident_phase_valid", condition=Q(phase__in=["contain", "correct",
                                                                    "consolidate", "closed"])
            ),
            models.CheckConstraint(
                name="incident_outcome_valid",
                condition=Q(outcome__in=["", "recovered", "declined", "no_response", "moved_on"]),
            ),
            models.CheckConstraint(
                name="incident_cause_valid",
                condition=Q(cause__in=["personal", "transit", "technical", "emergency",
                                       "timezone", "calendar", "other"]),
            ),
            models.CheckConstraint(
                name="incident_format_valid", condition=Q(format__in=["phone", "video", "onsite"])
            ),
            # Closed <=> an outcome and a closing time; open incidents carry neither.
            models.CheckConstraint(
                name="incident_closed_has_outcome",
                condition=(
                    Q(phase="closed", closed_at__isnull=False) & ~Q(outcome="")
                    | (~Q(phase="closed") & Q(outcome="") & Q(closed_at__isnull=True))
                ),
            ),
            # Correct and consolidate are only reached through the first apology outreach.
            models.CheckConstraint(
                name="incident_past_contain_has_outreach",
                condition=~Q(phase__in=["correct", "consolidate"])
                | Q(first_outreach_at__isnull=False),
            ),
            # Consolidate is only reached by attending the rescheduled interview, and an
            # attended interview never goes back to contain or correct.
            models.CheckConstraint(
                name="incident_consolidate_iff_attended",
                condition=(Q(phase="consolidate") & Q(attended_at__isnull=False))
                | (Q(phase__in=["contain", "correct"]) & Q(attended_at__isnull=True))
                | Q(phase="closed"),
            ),
            models.CheckConstraint(
                name="incident_thank_you_after_attended",
                condition=Q(thank_you_sent_at__isnull=True) | Q(attended_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.role} at {self.company}"

    @property
    def is_open(self):
        return self.phase != self.Phase.CLOSED

    @property
    def minutes_to_first_outreach(self):
        if self.first_outreach_at is None:
            return None
        return int((self.first_outreach_at - self.discovered_at).total_seconds() // 60)


class Outreach(models.Model):
    Channel = text_choices("Channel", {
        "call": "Phone call", "voicemail": "Voicemail", "email": "Email", "message": "Message",
    })
    Result = text_choices("Result", {
        "reached": "Reached", "voicemail": "Left voicemail", "no_answer": "No answer",
        "sent": "Sent", "replied": "Replied",
    })
    Purpose = text_choices("Purpose", {
        "apology": "Apology", "reschedule": "Reschedule request", "follow_up": "Follow-up",
        "confirmation": "Confirmation", "thank_you": "Thank-you note",
        "materials": "Promised materials", "other": "Other",
    })

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="outreach")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="outreach"
    )
    channel = models.CharField(max_length=10, choices=Channel)
    purpose = models.CharField(max_length=12, choices=Purpose, default=Purpose.APOLOGY)
    occurred_at = models.DateTimeField()
    subject = models.CharField(max_length=200, blank=True, validators=[one_line_text])
    text = long_text(10000, blank=True)
    result = models.CharField(max_length=10, choices=Result)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["incident", "occurred_at"], name="outreach_incident_at")]
        verbose_name_plural = "outreach"

    def __str__(self):
        return f"{self.get_channel_display()} ({self.get_result_display()})"


class Reschedule(models.Model):
    Reply = text_choices("Reply", {
        "pending": "Waiting for a reply", "accepted": "Accepted", "declined": "Declined",
        "no_response": "No response",
    })

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reschedules")
    requested_at = models.DateTimeField()
    reply = models.CharField(max_length=12, choices=Reply, default=Reply.PENDING)
    replied_at = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    accepted_slot = models.ForeignKey(
        "ProposedSlot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The confirmed interview.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    start = models.DateTimeField(null=True, blank=True, help_text="UTC")
    time_zone = zone_field(blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    format = models.CharField(max_length=10, choices=Incident.Format, blank=True)
    location = models.CharField(
        "link or place", max_length=500, blank=True, validators=[one_line_text]
    )
    interviewer = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped each time the confirmed time changes; reminders are planned for one version.
    version = models.PositiveIntegerField(default=0)

    Change = text_choices("Change", {
        "confirmed": "Confirmed", "moved": "Moved", "changed": "Details changed",
        "called_off": "Called off",
    })
    # The last significant change of this interview as the calendar sees it: the incident's
    # calendar SEQUENCE it was given, what it was, when, and the start it moved from.
    sequence = models.PositiveIntegerField(default=0)
    last_change = models.CharField(max_length=12, choices=Change, blank=True)
    last_change_at = models.DateTimeField(null=True, blank=True)
    previous_start = models.DateTimeField(null=True, blank=True, help_text="UTC")
    attended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Issue 15: "I'm ready" (from the 1 h reminder) and "I've re-confirmed with them" (from the
    # 24 h reminder), each for one version of the time: a move makes them stale.
    ready_at = models.DateTimeField(null=True, blank=True)
    ready_version = models.PositiveIntegerField(default=0)
    reconfirmed_at = models.DateTimeField(null=True, blank=True)
    reconfirmed_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["incident", "requested_at"], name="reschedule_incident_at")]
        constraints = [
            # At most one reschedule in play per incident: a new request or a direct
            # confirmation replaces (cancels) the previous one, so there is never more than
            # one live confirmed interview to remind about.
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(cancelled_at__isnull=True),
                name="reschedule_one_live_per_incident",
            ),
            models.CheckConstraint(
                name="reschedule_reply_valid",
                condition=Q(reply__in=["pending", "accepted", "declined", "no_response"]),
            ),
            models.CheckConstraint(
                name="reschedule_replied_iff_not_pending",
                condition=(Q(reply="pending") & Q(replied_at__isnull=True))
                | (~Q(reply="pending") & Q(replied_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="reschedule_accepted_slot_means_accepted",
                condition=Q(accepted_slot__isnull=True) | Q(reply="accepted"),
            ),
            # A confirmed interview has a start, a zone, a duration, a format and a version;
            # an unconfirmed one has never had a version.
            models.CheckConstraint(
                name="reschedule_confirmed_has_slot",
                condition=(
                    Q(confirmed_at__isnull=True) & Q(version=0)
                    | (
                        Q(confirmed_at__isnull=False, start__isnull=False)
                        & Q(duration_minutes__isnull=False)
                        & ~Q(time_zone="")
                        & ~Q(format="")
                        & Q(version__gte=1)
                        & Q(reply="accepted")
                    )
                ),
            ),
            models.CheckConstraint(
                name="reschedule_attended_was_confirmed",
                condition=Q(attended_at__isnull=True) | Q(confirmed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="reschedule_not_attended_and_cancelled",
                condition=Q(attended_at__isnull=True) | Q(cancelled_at__isnull=True),
            ),
            models.CheckConstraint(
                name="reschedule_duration_positive",
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gte=1),
            ),
        ]

    def __str__(self):
        return f"Reschedule #{self.pk} for {self.incident}"

    @property
    def is_ready(self) -> bool:
        """The person said they are ready for the current version of the time."""
        return self.ready_at is not None and self.ready_version == self.version > 0

    @property
    def is_reconfirmed(self) -> bool:
        return self.reconfirmed_at is not None and self.reconfirmed_version == self.version > 0

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None and self.cancelled_at is None

    @property
    def end(self):
        if self.start is None or self.duration_minutes is None:
            return None
        return self.start + timedelta(minutes=self.duration_minutes)


class ProposedSlot(models.Model):
    reschedule = models.ForeignKey(Reschedule, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField(help_text="UTC")
    time_zone = zone_field()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["reschedule", "position"], name="slot_unique_position"),
            models.UniqueConstraint(fields=["reschedule", "start"], name="slot_unique_start"),
            models.CheckConstraint(name="slot_position_at_most_3", condition=Q(position__lt=3)),
        ]

    def __str__(self):
        return f"Slot {self.position + 1} at {self.start:%Y-%m-%d %H:%M} UTC"


class Safeguard(models.Model):
    Kind = text_choices("Kind", {
        "duplicate_alarms": "Alarms on two devices, 24 h and 1 h before",
        "both_zones": "Both time zones written in the calendar invite",
        "confirmation_sent": "Written confirmation sent (date, time, zone, link)",
        "confirm_day_before": "Re-confirm 24 h before and on the morning",
        "tech_check": "Tech check 30–60 minutes before (camera, mic, connection)",
        "travel_buffer": "Travel buffer blocked in the calendar",
        "prep_block": "Preparation time blocked (three stories, fit summary, questions)",
        "partner": "Accountability partner reminds you the night before",
        "join_early": "Join 10–15 minutes early",
    })

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="safeguards")
    kind = models.CharField(max_length=24, choices=Kind)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="safeguard_unique_kind")
        ]

    def __str__(self):
        return self.get_kind_display()


class PromisedMaterial(models.Model):
    Status = text_choices("Status", {
        "pending": "To deliver", "delivered": "Delivered", "dropped": "Dropped"
    })

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="materials")
    description = models.CharField(max_length=200, validators=[one_line_text])
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="material_resolved_iff_not_pending",
                condition=(Q(status="pending") & Q(resolved_at__isnull=True))
                | (Q(status__in=["delivered", "dropped"]) & Q(resolved_at__isnull=False)),
            ),
        ]

    def __str__(self):
        return self.description


class TimelineEvent(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="timeline_incident_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.message}"

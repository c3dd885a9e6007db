"""The person's profile: their time zone, contact details and reminder preferences, and the
state of their accountability partner's consent."""

from django.conf import settings
from django.db import models

from tracker.fields import zone_field
from tracker.validators import one_line_text


class Profile(models.Model):
    class PartnerState(models.TextChoices):
        # Nothing goes to the partner's address but the invitation until they accept.
        NONE = "", "No partner"
        INVITED = "invited", "Invited, not answered yet"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        STOPPED = "stopped", "Stopped all email"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    full_name = models.CharField(max_length=120, blank=True, validators=[one_line_text])
    phone = models.CharField(max_length=40, blank=True, validators=[one_line_text])
    time_zone = zone_field(default="UTC")
    partner_email = models.EmailField(
        "accountability partner's email",
        blank=True,
        help_text="Gets the 24-hour reminder too, once they accept the invitation.",
    )
    partner_state = models.CharField(
        max_length=10, choices=PartnerState, default=PartnerState.NONE, blank=True
    )
    partner_invited_at = models.DateTimeField(null=True, blank=True)
    partner_answered_at = models.DateTimeField(null=True, blank=True)
    # Addresses (lower-cased) that pressed "stop": never invited again by this person.
    partner_opted_out = models.JSONField(default=list, blank=True)
    # Reminder kinds (tracker.reminders.models.Reminder.Kind values) the person turned off.
    reminders_off = models.JSONField(default=list, blank=True)
    # Issue 10: nudges not about an imminent interview (follow-up, thank-you, last call) due
    # between 21:00 and 08:00 in the person's zone wait until 08:00 (reminders/planning.py).
    quiet_hours = models.BooleanField("hold nudges at night", default=True)
    # Issue 15: the private calendar feed (tracker/accounts/feed.py): a long random token ("" =
    # no feed; regenerating revokes the old URL), whether events name the interviewer, and
    # when either last changed (the feed's Last-Modified).
    feed_token = models.CharField(max_length=64, blank=True, default="", db_index=True)
    feed_interviewer = models.BooleanField("name the interviewer in my calendar feed",
                                           default=False)
    feed_changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Profile of {self.user}"

    @property
    def display_name(self):
        return self.full_name or self.user.get_username()

    def wants(self, kind: str) -> bool:
        return kind not in (self.reminders_off or [])

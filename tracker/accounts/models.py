"""The person's profile: their time zone, contact details and reminder preferences."""

from django.conf import settings
from django.db import models

from tracker.validators import validate_zone


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    full_name = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_zone])
    partner_email = models.EmailField(
        "accountability partner's email",
        blank=True,
        help_text="Gets the 24-hour reminder too, if set.",
    )
    # Reminder kinds (tracker.reminders.models.Reminder.Kind values) the person turned off.
    reminders_off = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"Profile of {self.user}"

    @property
    def display_name(self):
        return self.full_name or self.user.get_username()

    def wants(self, kind: str) -> bool:
        return kind not in (self.reminders_off or [])

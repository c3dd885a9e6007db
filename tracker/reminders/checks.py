"""System checks for the reminder engine's settings."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def lease_outlasts_the_slowest_reply(app_configs=None, **kwargs):
    """A claim whose lease can run out during one slow SMTP reply lets another dispatcher send
    the same reminder again: the lease must cover EMAIL_TIMEOUT and a margin."""
    timeout = settings.EMAIL_TIMEOUT or 0
    need = timeout + settings.REMINDER_LEASE_MARGIN_SECONDS
    if not timeout:
        return [checks.Error(
            "EMAIL_TIMEOUT is not set: one hung mail server would outlive any reminder lease.",
            hint="Set EMAIL_TIMEOUT (seconds), e.g. 20.", id="reminders.E002",
        )]
    if settings.REMINDER_LEASE_SECONDS < need:
        return [checks.Error(
            f"REMINDER_LEASE_SECONDS ({settings.REMINDER_LEASE_SECONDS:g}) is shorter than "
            f"EMAIL_TIMEOUT ({timeout:g}) plus REMINDER_LEASE_MARGIN_SECONDS "
            f"({settings.REMINDER_LEASE_MARGIN_SECONDS:g}): a slow reply would outlive the lease "
            "and another dispatcher would send the reminder again.",
            hint=f"Set REMINDER_LEASE_SECONDS to {need:g} or more, or lower EMAIL_TIMEOUT.",
            id="reminders.E001",
        )]
    return []

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "tracker.reminders"
    verbose_name = "Reminders"

    def ready(self):
        # The system checks; issue 15: re-plan after the 1 h reminder (the escalation).
        from . import checks, receivers  # noqa: F401

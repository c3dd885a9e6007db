from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "tracker.reminders"
    verbose_name = "Reminders"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tracker.web"
    verbose_name = "Web"

    def ready(self):
        from . import signals  # noqa: F401 - connects the sign-up receiver

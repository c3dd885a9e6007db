from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tracker.web"
    verbose_name = "Web"

    def ready(self):
        from . import admin_widgets, signals  # noqa: F401 - connects the sign-up receiver

        admin_widgets.install()

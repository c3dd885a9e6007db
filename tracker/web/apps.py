from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tracker.web"
    verbose_name = "Web"

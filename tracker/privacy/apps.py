from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tracker.privacy"
    verbose_name = "Privacy"

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tracker.accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import signals  # noqa: F401

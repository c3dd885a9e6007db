from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "tracker.incidents"
    verbose_name = "Incidents"

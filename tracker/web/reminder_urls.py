from django.urls import path

from . import reminder_views

urlpatterns = [
    path("incidents/<int:pk>/reminders/test/", reminder_views.reminder_test, name="reminder_test"),
    path("incidents/<int:pk>/interview.ics", reminder_views.incident_ics, name="incident_ics"),
]

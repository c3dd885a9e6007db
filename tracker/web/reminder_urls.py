from django.urls import path

from . import alarm_test_views, feed_views, readiness_views, reminder_views

urlpatterns = [
    path("incidents/<int:pk>/reminders/test/", reminder_views.reminder_test, name="reminder_test"),
    path("incidents/<int:pk>/interview.ics", reminder_views.incident_ics, name="incident_ics"),
    # Issue 15: "I'm ready" / "I've re-confirmed", from the emails, without a login.
    path("reminders/ready/<str:token>/", readiness_views.interview_readiness,
         {"purpose": "ready"}, name="interview_ready"),
    path("reminders/reconfirmed/<str:token>/", readiness_views.interview_readiness,
         {"purpose": "reconfirmed"}, name="interview_reconfirmed"),
    # Issue 15: the private calendar feed (the token is the key).
    path("calendar/<str:token>.ics", feed_views.calendar_feed, name="calendar_feed"),
    # Issue 15: the alarm self-test on the safeguards.
    path("incidents/<int:pk>/alarm-test/", alarm_test_views.alarm_test_begin,
         name="alarm_test_start"),
    path("incidents/<int:pk>/alarm-test/answer/", alarm_test_views.alarm_test_result,
         name="alarm_test_answer"),
    path("alarm-test/<str:token>.ics", alarm_test_views.alarm_test_ics, name="alarm_test_ics"),
]

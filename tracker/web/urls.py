from django.urls import include, path

urlpatterns = [
    path("", include("tracker.web.draft_urls")),
    path("", include("tracker.web.reminder_urls")),
]

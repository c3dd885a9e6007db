from django.contrib import admin
from django.urls import include, path

from tracker import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz_live"),
    path("admin/", admin.site.urls),
    path("accounts/", include("tracker.accounts.urls")),
    path("", include("tracker.web.urls")),
]

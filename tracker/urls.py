from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from tracker import health


@login_not_required
def favicon(request):
    # Browsers ask for /favicon.ico whatever the page says; a 404 there is a console error.
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz_live"),
    path("admin/", admin.site.urls),
    path("accounts/", include("tracker.accounts.urls")),
    path("", include("tracker.privacy.urls")),  # issue 16
    path("", include("tracker.web.urls")),
]

from django.urls import include, path

from . import views

urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("", include("django.contrib.auth.urls")),
]

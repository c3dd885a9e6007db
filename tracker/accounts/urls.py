from django.contrib.auth.views import LoginView
from django.urls import include, path

from . import views
from .forms import LoginForm

urlpatterns = [
    # Before Django's own routes: the same view, with a form that checks the username's length.
    path("login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("signup/", views.sign_up, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("", include("django.contrib.auth.urls")),
]

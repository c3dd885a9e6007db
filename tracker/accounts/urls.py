"""Accounts: django-allauth's views for the flows the tracker uses (listed one by one, so no
flow we do not offer, such as login by code, has a URL), the short names the project uses for
the main ones (the same views at the same paths), the profile, the confirmation resend and the
partner's answer."""

from allauth.account import views as allauth_views
from django.urls import path, re_path

from . import feed_views, views


def both_names(route, view, short_name, allauth_name):
    """One route under two names: the short one the templates and LOGIN_URL use (first, so it
    is the one a request resolves to), then allauth's own."""
    return [path(route, view, name=short_name), path(route, view, name=allauth_name)]


urlpatterns = [
    *both_names("login/", allauth_views.login, "login", "account_login"),
    *both_names("logout/", allauth_views.logout, "logout", "account_logout"),
    *both_names("signup/", allauth_views.signup, "signup", "account_signup"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    # The address: confirmation, change.
    path("email/", allauth_views.email, name="account_email"),
    path("confirm-email/", allauth_views.email_verification_sent,
         name="account_email_verification_sent"),
    re_path(r"^confirm-email/(?P<key>[-:\w]+)/$", allauth_views.confirm_email,
            name="account_confirm_email"),
    path("email/resend/", views.verification_resend_view, name="verification_resend"),
    # The password.
    *both_names("password/change/", allauth_views.password_change,
                "password_change", "account_change_password"),
    # An account without a usable password (made in the admin) sets one by the reset link.
    path("password/set/", views.password_set, name="account_set_password"),
    *both_names("password/reset/", allauth_views.password_reset,
                "password_reset", "account_reset_password"),
    path("password/reset/done/", allauth_views.password_reset_done,
         name="account_reset_password_done"),
    re_path(r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
            allauth_views.password_reset_from_key, name="account_reset_password_from_key"),
    path("password/reset/key/done/", allauth_views.password_reset_from_key_done,
         name="account_reset_password_from_key_done"),
    # The person's own pages, and the partner's answer to an invitation.
    path("profile/", views.profile, name="profile"),
    path("profile/feed/", feed_views.profile_feed, name="profile_feed"),  # issue 15
    path("partner/<str:token>/", views.partner_answer_view, name="partner_answer"),
]

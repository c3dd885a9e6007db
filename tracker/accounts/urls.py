"""Accounts: django-allauth's views for the flows the tracker uses (listed one by one, so no
flow we do not offer, such as login by code, has a URL), the short names the project uses for
the main ones (the same views at the same paths), the profile, the confirmation resend and the
partner's answer."""

from allauth.account import views as allauth_views
from django.urls import path, re_path

from . import feed_views, views

urlpatterns = [
    # The names the templates and LOGIN_URL use, then allauth's own for the same views.
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("signup/", allauth_views.signup, name="signup"),
    path("password/reset/", allauth_views.password_reset, name="password_reset"),
    path("password/change/", allauth_views.password_change, name="password_change"),
    path("login/", allauth_views.login, name="account_login"),
    path("logout/", allauth_views.logout, name="account_logout"),
    path("signup/", allauth_views.signup, name="account_signup"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    # The address: confirmation, change.
    path("email/", allauth_views.email, name="account_email"),
    path("confirm-email/", allauth_views.email_verification_sent,
         name="account_email_verification_sent"),
    re_path(r"^confirm-email/(?P<key>[-:\w]+)/$", allauth_views.confirm_email,
            name="account_confirm_email"),
    path("email/resend/", views.verification_resend_view, name="verification_resend"),
    # The password.
    path("password/change/", allauth_views.password_change, name="account_change_password"),
    # An account without a usable password (made in the admin) sets one by the reset link.
    path("password/set/", views.password_set, name="account_set_password"),
    path("password/reset/", allauth_views.password_reset, name="account_reset_password"),
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

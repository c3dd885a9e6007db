"""django-allauth's hooks for the tracker: usernames that can't spoof, and a daily limit on the
confirmation emails anyone can make us send (issue 12)."""

from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tracker.validators import (
    normalize_username,
    username_skeleton,
    validate_username_not_confusable,
    validate_username_text,
)

from . import limits

log = logging.getLogger(__name__)

# Emails that confirm an address (sign-up, resend, email change, "you already have an
# account"): counted per recipient and per account; over the limit they are not sent.
VERIFICATION_TEMPLATES = frozenset({
    "account/email/email_confirmation",
    "account/email/email_confirmation_signup",
    "account/email/account_already_exists",
})


def existing_usernames_like(username: str, *, exclude_pk=None):
    """(pk, username) of the accounts whose username may look like `username`: same length
    once normalised (a look-alike replaces characters one for one)."""
    skeleton = username_skeleton(username)
    rows = get_user_model().objects.values_list("pk", "username")
    return [(pk, name) for pk, name in rows
            if pk != exclude_pk and len(username_skeleton(name)) == len(skeleton)]


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = normalize_username(username)
        validate_username_text(username)
        username = super().clean_username(username, shallow=shallow)
        if not shallow:
            validate_username_not_confusable(username, existing_usernames_like(username))
        return username

    def get_password_change_redirect_url(self, request) -> str:
        return reverse("profile")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix in VERIFICATION_TEMPLATES:
            user = context.get("user")
            try:
                limits.check_and_count(
                    "verification", account=getattr(user, "pk", None), recipient=email,
                    now=timezone.now(),
                )
            except limits.LimitReached:
                log.warning("Not sent (daily limit): %s", template_prefix)
                return
        super().send_mail(template_prefix, email, context)

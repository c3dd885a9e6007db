"""Reads about a person's addresses: where reminders may go, and whether the partner may be
copied. Mail goes only to addresses that said yes (issue 12)."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from .models import Profile


def reminder_address(user) -> str:
    """The person's verified primary address, or "" while they have not confirmed one: the
    reminder engine skips (with a reason) a reminder with no address."""
    if user is None or not getattr(user, "pk", None):
        return ""
    address = (
        EmailAddress.objects.filter(user_id=user.pk, primary=True, verified=True)
        .values_list("email", flat=True)
        .first()
    )
    return address or ""


def email_confirmed(user) -> bool:
    return bool(reminder_address(user))



def partner_address(profile: Profile) -> str:
    """The partner's address if they accepted the invitation, else ""."""
    if profile.partner_email and profile.partner_state == Profile.PartnerState.ACCEPTED:
        return profile.partner_email
    return ""

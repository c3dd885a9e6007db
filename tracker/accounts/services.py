"""Every write to accounts: creating a person, editing their profile, the partner's answer,
and the emails a person asks for (each under its daily limit, accounts/limits.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from tracker.incidents.models import Incident
from tracker.reminders.services import reminders_sync

from . import limits, partner
from .models import Profile
from .selectors import reminder_address

log = logging.getLogger(__name__)

# Profile fields that change which reminders exist, when they are due or who gets them.
_REMINDER_FACTS = ("time_zone", "partner_email", "partner_state", "reminders_off",
                   "quiet_hours")  # issue 10: quiet hours move the nudges
State = Profile.PartnerState


@transaction.atomic
def user_sign_up(
    *, username: str, email: str, password: str, time_zone: str = "UTC", verified: bool = False
):
    """Create the account, its address (unverified unless said) and its profile. The site's
    sign-up goes through django-allauth; this is for scripts, fixtures and tests."""
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    EmailAddress.objects.create(user=user, email=email.lower(), primary=True, verified=verified)
    profile_set_time_zone(user=user, time_zone=time_zone)
    return user


def profile_set_time_zone(*, user, time_zone: str, full_name: str | None = None) -> Profile:
    """The zone (and, issue 11, the name) chosen at sign-up (the post_save signal has created
    the profile)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.time_zone = time_zone
    fields = ["time_zone"]
    if full_name is not None:
        profile.full_name = full_name
        fields.append("full_name")
    profile.full_clean()
    profile.save(update_fields=fields)
    return profile


def profile_ensure(*, user) -> Profile:
    """The person's profile; made here for an account that predates the signal (a fixture
    load, say)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def _partner_changes(profile: Profile, email: str, now: datetime) -> dict:
    """What a new partner address means for the consent: a fresh invitation, or none."""
    if email.lower() == (profile.partner_email or "").lower():
        return {}
    if not email:
        return {"partner_state": State.NONE, "partner_invited_at": None,
                "partner_answered_at": None}
    if email.lower() in (profile.partner_opted_out or []):
        raise ValidationError(
            {"partner_email": "That person asked us not to email them about you. "
                              "Choose someone else."}
        )
    if not reminder_address(profile.user):
        raise ValidationError(
            {"partner_email": "Confirm your own email address first; then invite a partner."}
        )
    return {"partner_state": State.INVITED, "partner_invited_at": now,
            "partner_answered_at": None}


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    full_name: str,
    phone: str,
    time_zone: str,
    partner_email: str,
    reminders_off: Iterable[str],
    now: datetime,
    quiet_hours: bool | None = None,  # issue 10; None keeps the current choice
) -> Profile:
    """Save the profile. When a fact the reminders depend on changes, the person's open
    incidents are re-planned in the same transaction. A new partner address is invited (one
    email, under the daily limit) and gets nothing else until it accepts."""
    partner_email = (partner_email or "").strip()
    values = {
        "full_name": full_name,
        "phone": phone,
        "time_zone": time_zone,
        "partner_email": partner_email,
        "reminders_off": sorted(set(reminders_off)),
    }
    if quiet_hours is not None:  # issue 10
        values["quiet_hours"] = bool(quiet_hours)
    values.update(_partner_changes(profile, partner_email, now))
    changed = [f for f, v in values.items() if getattr(profile, f) != v]
    if not changed:
        return profile
    for f in changed:
        setattr(profile, f, values[f])
    profile.full_clean()
    inviting = "partner_email" in changed and profile.partner_state == State.INVITED
    if inviting:
        limits.check_and_count("partner_invitation", account=profile.user_id,
                               recipient=partner_email, now=now)
    profile.save(update_fields=changed)
    if inviting:
        inviter = reminder_address(profile.user)
        message = partner.invitation_message(profile, inviter_address=inviter)
        transaction.on_commit(lambda: _send(message, "partner invitation"))
    if any(f in _REMINDER_FACTS for f in changed):
        open_incidents = Incident.objects.filter(owner_id=profile.user_id).exclude(
            phase=Incident.Phase.CLOSED
        )
        for incident in open_incidents:
            reminders_sync(incident=incident, now=now)
    return profile


def _send(message, what: str) -> None:
    try:
        message.send()
    except Exception:  # the page must not break; the person can ask again
        log.exception("Could not send the %s", what)


class PartnerAnswerRefused(Exception):
    """The answer no longer applies (another partner now, already answered); str() says so."""


@transaction.atomic
def partner_answer(*, token: partner.PartnerToken, now: datetime) -> Profile:
    """The partner accepts, declines or stops. Only the address the link was made for, and
    only while it is still the person's partner, can answer."""
    profile = Profile.objects.select_for_update().filter(pk=token.profile_id).first()
    if profile is None or (profile.partner_email or "").lower() != token.email:
        raise PartnerAnswerRefused(
            "This link is no longer in use: you are not this person's partner any more, so "
            "you get no email about them."
        )
    if token.action == "accept":
        if profile.partner_state != State.INVITED:
            raise PartnerAnswerRefused(
                "This invitation was already answered. If you change your mind, ask the "
                "person to invite you again."
            )
        state = State.ACCEPTED
    elif token.action == "decline":
        if profile.partner_state not in (State.INVITED, State.ACCEPTED):
            raise PartnerAnswerRefused("This invitation was already answered.")
        state = State.DECLINED
    else:
        state = State.STOPPED
        opted_out = set(profile.partner_opted_out or [])
        opted_out.add(token.email)
        profile.partner_opted_out = sorted(opted_out)
    profile.partner_state = state
    profile.partner_answered_at = now
    profile.save(update_fields=["partner_state", "partner_answered_at", "partner_opted_out"])
    for incident in Incident.objects.filter(owner_id=profile.user_id).exclude(
        phase=Incident.Phase.CLOSED
    ):
        reminders_sync(incident=incident, now=now)
    return profile


def verification_resend(*, user, request, now: datetime) -> str:
    """Send the confirmation link for the person's primary address again (under the daily
    limit, per account and per address). Returns the address."""
    address = (
        EmailAddress.objects.filter(user=user, verified=False).order_by("-primary", "pk").first()
    )
    if address is None:
        raise ValidationError("Your email address is already confirmed.")
    # Counted where every confirmation email is sent (the account adapter); checked here so
    # that the person gets the message instead of silence.
    if limits.remaining("verification", account=user.pk, recipient=address.email, now=now) <= 0:
        log.warning("Limit reached: verification resend refused (account %s)", user.pk)
        raise limits.LimitReached("verification")
    address.send_confirmation(request)
    return address.email

"""The accountability partner's consent: signed links and the invitation email (issue 12).

The partner's address gets nothing but the invitation until they accept it. The invitation
says who asked (their name and their confirmed address) and what the partner would receive;
its subject holds no text the person typed. Each link is signed: accept and decline expire
after PARTNER_LINK_DAYS, stop never does (it still needs to match the current partner), and
none needs a login. A GET only shows the question; the answer is a POST (a mail scanner that
opens links must not accept on the partner's behalf)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from tracker.signing import read_signed

SALT = "tracker.accounts.partner"
PARTNER_LINK_DAYS = 14
ACTIONS = ("accept", "decline", "stop")
SUBJECT = "An invitation to be an accountability partner"


@dataclass(frozen=True)
class PartnerToken:
    profile_id: int
    email: str
    action: str


def make_token(profile, action: str) -> str:
    assert action in ACTIONS
    return signing.dumps(
        {"p": profile.pk, "e": profile.partner_email.lower(), "a": action}, salt=SALT,
        compress=True,
    )


def _partner_token(data) -> PartnerToken:
    if data["a"] not in ACTIONS:
        raise ValueError(data["a"])
    return PartnerToken(profile_id=int(data["p"]), email=str(data["e"]), action=data["a"])


def read_token(token: str) -> PartnerToken:
    """The partner's answer a link carries; BadToken (tracker.signing) for one not ours, changed,
    or an accept or decline older than PARTNER_LINK_DAYS (stop never expires)."""
    found = read_signed(token, salt=SALT, read=_partner_token)
    if found.action != "stop":
        read_signed(
            token, salt=SALT, read=_partner_token, max_age=timedelta(days=PARTNER_LINK_DAYS),
            expired="This invitation has expired. The person who invited you can send a new one.",
        )
    return found


def link(profile, action: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "partner_answer", args=[make_token(profile, action)]
    )


def invitation_message(profile, *, inviter_address: str) -> EmailMultiAlternatives:
    context = {
        "name": profile.full_name or "",
        "inviter_address": inviter_address,
        "accept_url": link(profile, "accept"),
        "decline_url": link(profile, "decline"),
        "stop_url": link(profile, "stop"),
        "days": PARTNER_LINK_DAYS,
    }
    body = render_to_string("accounts/email/partner_invitation.txt", context)
    html = render_to_string("accounts/email/partner_invitation.html", context)
    message = EmailMultiAlternatives(
        subject=SUBJECT, body=body, to=[profile.partner_email],
        headers={
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{context['stop_url']}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message

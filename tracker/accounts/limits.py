"""Limits on everything a person can make us send, and on incidents created (issue 12).

Each action has a daily allowance per account and per recipient address
(`settings.SEND_LIMITS = {action: (per_account, per_recipient)}`, 0 for none). Counters live in
Django's cache (Redis in production, local memory by default) under a key per action, day (UTC)
and account or address, and expire after the day. Over a limit the action is refused with a
message for the person (`LimitReached`) and the refusal is logged; nothing is counted then.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

log = logging.getLogger(__name__)

DAY_SECONDS = 24 * 60 * 60

MESSAGES = {
    "test_reminder": "You have sent the test reminders allowed for today. Try again tomorrow.",
    "partner_invitation": "You have sent the partner invitations allowed for today. "
    "Try again tomorrow.",
    "verification": "We have sent the confirmation emails allowed for today. Use the last one "
    "we sent, or try again tomorrow.",
    "password_reset": "We have sent the password reset emails allowed for today to this "
    "address. Use the last one, or try again tomorrow.",
    "incident": "You have logged the incidents allowed for today. Try again tomorrow.",
}


class LimitReached(ValidationError):
    """The person asked for more than today's allowance; str() says so, for them. A
    ValidationError, so a page that shows a service's refusals shows this one too."""

    def __init__(self, action: str):
        self.action = action
        self.text = MESSAGES.get(action, "You have reached today's limit. Try again tomorrow.")
        super().__init__(self.text, code="limit")

    def __str__(self):
        return self.text


def _allowance(action: str) -> tuple[int, int]:
    per_account, per_recipient = settings.SEND_LIMITS[action]
    return int(per_account), int(per_recipient)


def _address_key(address: str) -> str:
    # Hashed: the cache holds no address in the clear.
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]


def _keys(action: str, *, account, recipient: str, now: datetime) -> list[tuple[str, int]]:
    per_account, per_recipient = _allowance(action)
    day = now.strftime("%Y%m%d")
    keys = []
    if account is not None and per_account:
        keys.append((f"limit:{action}:{day}:account:{account}", per_account))
    if recipient and per_recipient:
        keys.append((f"limit:{action}:{day}:to:{_address_key(recipient)}", per_recipient))
    return keys


def check_and_count(action: str, *, account=None, recipient: str = "", now: datetime) -> None:
    """Count one `action` by `account` (a user pk, or any key such as a client address) to
    `recipient`, or raise LimitReached without counting."""
    keys = _keys(action, account=account, recipient=recipient, now=now)
    for key, allowed in keys:
        if (cache.get(key) or 0) >= allowed:
            log.warning(
                "Limit reached: %s refused (account %s, recipient %s, %s a day)",
                action, account, _address_key(recipient)[:8] if recipient else "-", allowed,
            )
            raise LimitReached(action)
    for key, _ in keys:
        cache.add(key, 0, timeout=DAY_SECONDS + 3600)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=DAY_SECONDS + 3600)


def remaining(action: str, *, account=None, recipient: str = "", now: datetime) -> int:
    """How many more are allowed today (the smallest of the counters)."""
    keys = _keys(action, account=account, recipient=recipient, now=now)
    if not keys:
        return 10**9
    return min(allowed - (cache.get(key) or 0) for key, allowed in keys)

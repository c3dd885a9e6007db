"""The one-click unsubscribe of a reminder kind (RFC 8058): a signed token naming the person and
the kind, read back by the unsubscribe page (tracker/web/unsubscribe_views.py) without a login.

The token never expires (a List-Unsubscribe link must keep working) and is bound to the account
and the kind it was made for; it can only turn that kind off for that person, or back on."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from tracker.messaging.emails import absolute

from . import planning

SALT = "tracker.reminders.unsubscribe"


class BadToken(Exception):
    """Not one of our links, or changed on the way."""


@dataclass(frozen=True)
class Stop:
    user_id: int
    kind: str

    @property
    def label(self) -> str:
        return planning.LABELS[self.kind]


def make_token(*, user_id: int, kind: str) -> str:
    if kind not in planning.OPTIONAL_KINDS:
        raise ValueError(f"{kind!r} cannot be turned off")
    return signing.dumps([user_id, kind], salt=SALT, compress=True)


def read_token(token: str) -> Stop:
    try:
        user_id, kind = signing.loads(token, salt=SALT)
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise BadToken("This link is not valid. Use the link in the email as it is.") from exc
    if kind not in planning.OPTIONAL_KINDS or not isinstance(user_id, int):
        raise BadToken("This link is not valid. Use the link in the email as it is.")
    return Stop(user_id=user_id, kind=kind)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return absolute(reverse("reminder_unsubscribe", args=[make_token(user_id=user_id, kind=kind)]))

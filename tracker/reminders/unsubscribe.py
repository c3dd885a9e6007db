"""The one-click unsubscribe of a reminder kind (RFC 8058): a signed token naming the person and
the kind, read back by the unsubscribe page (tracker/web/unsubscribe_views.py) without a login.

The token never expires (a List-Unsubscribe link must keep working) and is bound to the account
and the kind it was made for; it can only turn that kind off for that person, or back on."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from tracker.messaging.emails import absolute
from tracker.signing import read_signed

from . import planning

SALT = "tracker.reminders.unsubscribe"


@dataclass(frozen=True)
class Stop:
    user_id: int
    kind: str

    @classmethod
    def from_payload(cls, payload) -> Stop:
        """The [user id, kind] a token carries; ValueError for a kind one cannot turn off."""
        user_id, kind = payload
        if kind not in planning.OPTIONAL_KINDS or not isinstance(user_id, int):
            raise ValueError("not a reminder kind of one person's")
        return cls(user_id=user_id, kind=kind)

    @property
    def label(self) -> str:
        return planning.LABELS[self.kind]


def make_token(*, user_id: int, kind: str) -> str:
    if kind not in planning.OPTIONAL_KINDS:
        raise ValueError(f"{kind!r} cannot be turned off")
    return signing.dumps([user_id, kind], salt=SALT, compress=True)


def read_token(token: str) -> Stop:
    return read_signed(token, salt=SALT, read=Stop.from_payload)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return absolute(reverse("reminder_unsubscribe", args=[make_token(user_id=user_id, kind=kind)]))

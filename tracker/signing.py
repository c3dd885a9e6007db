"""Reading back the signed links the project puts in emails and pages.

Every such link carries a payload signed with the project's SECRET_KEY (`django.core.signing`)
under a salt of its own, so a token made for one purpose is nothing for another. Reading one back
is the same everywhere: the signature and, where the link expires, its age are checked, then the
payload is turned into what the link stands for; anything wrong is a `BadToken` whose str() is
the sentence to show the person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.core import signing

T = TypeVar("T")

INVALID = "This link is not valid. Use the link in the email as it is."


class BadToken(Exception):
    """Not one of our links, changed on the way, or expired; str() says which, for the reader."""


def read_signed(
    token: str,
    *,
    salt: str,
    read: Callable[[Any], T],
    max_age: timedelta | None = None,
    invalid: str = INVALID,
    expired: str = INVALID,
) -> T:
    """`read(payload)` of a token signed under `salt`.

    A token that is not ours, was changed, or whose payload `read` refuses (by raising KeyError,
    TypeError or ValueError) raises BadToken(invalid); one older than `max_age` raises
    BadToken(expired)."""
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise BadToken(expired) from exc
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise BadToken(invalid) from exc
    try:
        return read(payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadToken(invalid) from exc

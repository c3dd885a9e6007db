"""Signed links of the privacy app: the coach's invitation and the export's download.

Both are signed with the project's SECRET_KEY (django.core.signing) under their own salt and
expire: the invitation after PRIVACY_COACH_LINK_DAYS, the download after PRIVACY_EXPORT_HOURS.
A link names its row and whom it was made for; the row is checked again when it is used (an
access ended, an export expired or deleted, another account logged in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

from tracker.signing import read_signed

COACH_SALT = "tracker.privacy.coach"
EXPORT_SALT = "tracker.privacy.export"


@dataclass(frozen=True)
class CoachInvitation:
    access_id: int
    email: str


def coach_token(access) -> str:
    return signing.dumps({"a": access.pk, "e": access.email.lower()}, salt=COACH_SALT)


def read_coach_token(token: str) -> CoachInvitation:
    return read_signed(
        token, salt=COACH_SALT, max_age=timedelta(days=settings.PRIVACY_COACH_LINK_DAYS),
        read=lambda data: CoachInvitation(access_id=int(data["a"]), email=str(data["e"])),
        expired="This invitation has expired. Ask the person who invited you to send a new one.",
    )


def export_token(export) -> str:
    return signing.dumps({"x": export.pk, "o": export.owner_id}, salt=EXPORT_SALT)


def read_export_token(token: str) -> tuple[int, int]:
    """(export id, owner id) of a download link still within its hours."""
    return read_signed(
        token, salt=EXPORT_SALT, max_age=timedelta(hours=settings.PRIVACY_EXPORT_HOURS),
        read=lambda data: (int(data["x"]), int(data["o"])),
        invalid="This download link is not valid.",
        expired="This download link has expired. Ask for a new export.",
    )

"""Issue 15: "I'm ready" (in the 1 h reminder) and "I've re-confirmed with them" (in the 24 h
reminder), as signed, expiring, single-purpose links answered without a login.

A token names the incident, the reschedule and the version of the time it was made for, and
when it stops working (the start of the interview for a re-confirmation, its end for "I'm
ready"). Each purpose has its own salt: a "ready" token is no "re-confirmed" token. The page
that opens it (tracker/web/readiness_views.py) only asks on a GET (mail scanners open links) and
records on a POST, through `incidents.services.readiness.interview_readiness_record`, which
checks the version again under the incident's lock and is idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core import signing
from django.urls import reverse

from tracker.messaging.emails import absolute
from tracker.signing import INVALID, BadToken, read_signed

READY = "ready"
RECONFIRMED = "reconfirmed"
PURPOSES = (READY, RECONFIRMED)
LABELS = {READY: "I'm ready", RECONFIRMED: "I've re-confirmed with them"}
_SALT = "tracker.reminders.readiness."


@dataclass(frozen=True)
class Claim:
    purpose: str
    incident_id: int
    reschedule_id: int
    version: int
    expires_at: datetime

    @property
    def label(self) -> str:
        return LABELS[self.purpose]


def expiry_for(purpose: str, reschedule) -> datetime:
    """A re-confirmation is useful until the start; "I'm ready" until the interview is over."""
    return reschedule.start if purpose == RECONFIRMED else reschedule.end


def make_token(
    purpose: str, *, incident_id: int, reschedule_id: int, version: int, expires_at: datetime
) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    payload = {
        "i": incident_id,
        "r": reschedule_id,
        "v": version,
        "x": int(expires_at.astimezone(UTC).timestamp()),
    }
    return signing.dumps(payload, salt=_SALT + purpose, compress=True)


def read_token(purpose: str, token: str, *, now: datetime) -> Claim:
    """The claim a token makes, if it is ours, for this purpose, and not expired. It names its
    incident and reschedule: the service refuses it for any other. BadToken otherwise, its str()
    the sentence for the person."""
    if purpose not in PURPOSES:
        raise BadToken(INVALID)
    claim = read_signed(token, salt=_SALT + purpose, read=lambda data: Claim(
        purpose=purpose,
        incident_id=int(data["i"]),
        reschedule_id=int(data["r"]),
        version=int(data["v"]),
        expires_at=datetime.fromtimestamp(int(data["x"]), UTC),
    ))
    if now >= claim.expires_at:
        raise BadToken(
            "This link has expired: the interview it was for has started or is over."
            if purpose == RECONFIRMED
            else "This link has expired: the interview it was for is over."
        )
    return claim


def link(purpose: str, reschedule, *, incident_id: int) -> str:
    """The absolute link to put in an email for the confirmed interview `reschedule`."""
    token = make_token(
        purpose,
        incident_id=incident_id,
        reschedule_id=reschedule.pk,
        version=reschedule.version,
        expires_at=expiry_for(purpose, reschedule),
    )
    return absolute(reverse(f"interview_{purpose}", args=[token]))

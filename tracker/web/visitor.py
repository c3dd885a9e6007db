"""Help before the account (issue 11): a visitor who just missed an interview types what
happened and gets the phone script, the voicemail and the apology email at once. What they
typed stays in their session; when they sign up it becomes their first incident.

The session holds plain strings only (JSON): instants as ISO 8601 in UTC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError

from tracker.incidents import services
from tracker.incidents.models import Incident
from tracker.incidents.services import TransitionRefused
from tracker.messaging import composer

from .fields import same_named

log = logging.getLogger(__name__)

SESSION_KEY = "visitor_incident"
# The three drafts of the first hour, in the order a person uses them.
FIRST_HOUR_KINDS = (composer.PHONE_SCRIPT, composer.VOICEMAIL, composer.APOLOGY_EMAIL)
# The fields of a visit that become the incident's as typed (the name fills the sign-up form).
INCIDENT_FIELDS = (
    "company", "role", "contact_name", "interview_at", "interview_tz", "candidate_tz", "cause",
)


def remember(session, cleaned: dict, *, now: datetime) -> None:
    """Keep what the visitor typed (a cleaned VisitorForm) in their session."""
    session[SESSION_KEY] = {
        "full_name": cleaned["full_name"],
        "company": cleaned["company"],
        "role": cleaned["role"],
        "contact_name": cleaned.get("contact_name") or "",
        "interview_at": cleaned["interview_instant"].isoformat(),
        "interview_tz": cleaned["interview_tz"],
        "candidate_tz": cleaned["candidate_tz"],
        "cause": cleaned["cause"],
        "discovered_at": now.isoformat(),
    }


@dataclass(frozen=True)
class Visit:
    full_name: str
    company: str
    role: str
    contact_name: str
    interview_at: datetime
    interview_tz: str
    candidate_tz: str
    cause: str
    discovered_at: datetime

    @property
    def cause_label(self) -> str:
        return dict(Incident.Cause.choices).get(self.cause, self.cause)


def recall(session) -> Visit | None:
    """What this visitor typed, or None (nothing yet, or a session value that does not read)."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return Visit(
            full_name=str(data["full_name"]),
            company=str(data["company"]),
            role=str(data["role"]),
            contact_name=str(data.get("contact_name") or ""),
            interview_at=datetime.fromisoformat(data["interview_at"]),
            interview_tz=str(data["interview_tz"]),
            candidate_tz=str(data["candidate_tz"]),
            cause=str(data["cause"]),
            discovered_at=datetime.fromisoformat(data["discovered_at"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def facts(visit: Visit, *, full_name: str | None = None) -> composer.Facts:
    contacts = ()
    if visit.contact_name.strip():
        contacts = (composer.ContactInfo(name=visit.contact_name, time_zone=visit.interview_tz),)
    return composer.Facts(
        company=visit.company,
        role=visit.role,
        cause=visit.cause,
        format=Incident.Format.VIDEO,
        interview_at=visit.interview_at,
        interview_tz=visit.interview_tz,
        person=composer.Person(
            full_name=full_name if full_name is not None else visit.full_name,
            time_zone=visit.candidate_tz,
        ),
        contacts=contacts,
    )


def drafts(visit: Visit, *, now: datetime) -> list[composer.Draft]:
    """The phone script, the voicemail and the apology email for what the visitor typed."""
    f = facts(visit)
    return [composer.compose(kind, f, now=now) for kind in FIRST_HOUR_KINDS]


def adopt(session, *, user, now: datetime) -> Incident | None:
    """At sign-up: what the visitor typed becomes their incident (the first-hour clock from when
    they typed it). Nothing in the session: None. A refusal (a value no longer accepted) is
    logged and the sign-up goes on; the session keeps the visit so nothing typed is lost."""
    visit = recall(session)
    if visit is None:
        return None
    try:
        incident = services.incident_log(
            owner=user, **same_named(visit, *INCIDENT_FIELDS), format=Incident.Format.VIDEO,
            discovered_at=min(visit.discovered_at, now), now=now,
        )
    except (TransitionRefused, ValidationError) as exc:
        log.warning("The visitor's incident was not logged at sign-up: %s", exc)
        return None
    session.pop(SESSION_KEY, None)
    session["adopted_incident"] = incident.pk
    return incident

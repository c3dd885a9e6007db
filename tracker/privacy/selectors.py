"""Reads of the privacy app, each scoped to who asks: the person sees their own rows; a coach
sees the incidents of the people whose access to them is active, and their contact details
only where the person shares them. Anything else is a 404, the same as an id nobody owns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.http import Http404

from tracker.incidents.models import Contact, Incident, Outreach, Reschedule
from tracker.signing import BadToken

from . import tokens
from .models import CoachAccess, CoachComment, DataExport
from .retention import notice_cache_key, retention_cutoff


def exports_for(*, owner, limit: int = 5) -> list[DataExport]:
    return list(DataExport.objects.filter(owner=owner).defer("content")[:limit])


def export_for_download(*, user, token: str, now: datetime) -> DataExport:
    """The export a download link names, if it is the user's and still ready; else BadToken
    with the reason."""
    export_id, owner_id = tokens.read_export_token(token)
    if owner_id != user.pk:
        raise BadToken("This download link is not valid.")
    export = DataExport.objects.filter(pk=export_id, owner=user).first()
    if export is None:
        raise BadToken("This download link is not valid.")
    if export.status != DataExport.Status.READY or export.expires_at <= now:
        raise BadToken("This download link has expired. Ask for a new export.")
    return export


def accesses_given(*, person) -> list[CoachAccess]:
    return list(CoachAccess.objects.filter(person=person).select_related("coach"))


def access_of_person(*, person, pk) -> CoachAccess:
    try:
        return CoachAccess.objects.get(person=person, pk=int(pk))
    except (CoachAccess.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such coach.") from exc


def invitation(*, access_id: int, email: str) -> CoachAccess | None:
    return (
        CoachAccess.objects.select_related("person__profile")
        .filter(pk=access_id, email=email)
        .first()
    )


def _active(coach) -> QuerySet[CoachAccess]:
    return CoachAccess.objects.filter(coach=coach, state=CoachAccess.State.ACTIVE)


def coached(*, coach) -> list[CoachAccess]:
    """The active accesses of a coach, each with the person's incidents (newest first)."""
    return list(
        _active(coach)
        .select_related("person__profile")
        .prefetch_related(
            Prefetch(
                "person__incidents",
                queryset=Incident.objects.annotate(comments=Count("coach_comments")).order_by(
                    "-discovered_at", "-pk"
                ),
                to_attr="shared_incidents",
            )
        )
        .order_by("accepted_at", "pk")
    )


@dataclass(frozen=True)
class SharedIncident:
    """One incident as a coach sees it (the person sees the same page, contacts included)."""

    incident: Incident
    is_owner: bool
    share_contacts: bool
    interview: Reschedule | None
    outreach: list[Outreach]
    comments: list[CoachComment]
    person_name: str


def shared_incident(*, user, pk) -> SharedIncident:
    """The incident `pk` if `user` owns it or coaches its owner (access active); else 404."""
    incident = (
        Incident.objects.select_related("owner__profile")
        .prefetch_related("safeguards")
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404("No such incident.")
    if incident.owner_id == user.pk:
        share, is_owner = True, True
    else:
        access = _active(user).filter(person_id=incident.owner_id).first()
        if access is None:
            raise Http404("No such incident.")
        share, is_owner = access.share_contacts, False
    from tracker.incidents.selectors import situation_for

    interview = situation_for(incident).calendar_entry
    outreach = list(
        Outreach.objects.filter(incident=incident)
        .select_related("contact")
        .order_by("occurred_at", "pk")
    )
    comments = list(CoachComment.objects.filter(incident=incident).select_related("author"))
    profile = getattr(incident.owner, "profile", None)
    name = (profile.full_name if profile else "") or incident.owner.get_username()
    return SharedIncident(
        incident=incident,
        is_owner=is_owner,
        share_contacts=share,
        interview=interview,
        outreach=outreach,
        comments=comments,
        person_name=name,
    )


def shared_contacts(*, user, pk) -> tuple[Incident, list[Contact]]:
    """The contacts of incident `pk` for its owner, or for a coach the owner shares them
    with; else 404 (a coach not shown contact details cannot tell they exist)."""
    shared = shared_incident(user=user, pk=pk)
    if not shared.share_contacts:
        raise Http404("No such incident.")
    return shared.incident, list(shared.incident.contacts.order_by("name", "pk"))


def comments_received(*, person, limit: int = 20) -> list[CoachComment]:
    return list(
        CoachComment.objects.filter(incident__owner=person, by_coach=True)
        .select_related("incident", "author")
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class RetentionNotice:
    months: int
    erased: int
    last_erased_at: datetime | None
    upcoming: int  # closed incidents whose contact details go within the next 30 days
    next_at: datetime | None


# The history page's notice is computed over all of the person's incidents; it is kept this
# long (and forgotten when the sweep erases some of theirs).
NOTICE_SECONDS = 300


def retention_notice_for_page(*, person, now: datetime) -> RetentionNotice:
    return cache.get_or_set(
        notice_cache_key(person.pk),
        lambda: retention_notice(person=person, now=now),
        NOTICE_SECONDS,
    )


def retention_notice(*, person, now: datetime) -> RetentionNotice:
    """What the retention sweep did and will do to the person's incidents: one query."""
    cutoff = retention_cutoff(now)
    waiting = Q(phase=Incident.Phase.CLOSED, contact_erasure__isnull=True)
    figures = Incident.objects.filter(owner=person).aggregate(
        erased=Count("pk", filter=Q(contact_erasure__isnull=False)),
        last=Max("contact_erasure__erased_at"),
        upcoming=Count("pk", filter=waiting & Q(closed_at__lt=cutoff + timedelta(days=30))),
        oldest=Min("closed_at", filter=waiting),
    )
    oldest = figures["oldest"]
    next_at = max(now, oldest + (now - cutoff)) if oldest is not None else None
    return RetentionNotice(
        months=settings.PRIVACY_RETENTION_MONTHS,
        erased=figures["erased"],
        last_erased_at=figures["last"],
        upcoming=figures["upcoming"],
        next_at=next_at,
    )

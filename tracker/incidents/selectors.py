"""Reads, always scoped to an owner. Another person's object is a 404, never a leak."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from . import phases
from .models import (
    Contact,
    Incident,
    Outreach,
    PromisedMaterial,
    ProposedSlot,
    Reschedule,
    Safeguard,
    TimelineEvent,
)


def incidents_for_user(*, user) -> QuerySet[Incident]:
    return Incident.objects.filter(owner=user)


def incident_get_for_user(*, user, pk) -> Incident:
    return get_object_or_404(incidents_for_user(user=user), pk=pk)


def contact_get_for_user(*, user, pk) -> Contact:
    return get_object_or_404(Contact.objects.filter(owner=user), pk=pk)


def outreach_get_for_user(*, user, pk) -> Outreach:
    return get_object_or_404(
        Outreach.objects.filter(incident__owner=user).select_related("incident"), pk=pk
    )


def reschedule_get_for_user(*, user, pk) -> Reschedule:
    return get_object_or_404(
        Reschedule.objects.filter(incident__owner=user).select_related("incident"), pk=pk
    )


def slot_get_for_user(*, user, pk) -> ProposedSlot:
    return get_object_or_404(
        ProposedSlot.objects.filter(reschedule__incident__owner=user).select_related(
            "reschedule__incident"
        ),
        pk=pk,
    )


def safeguard_get_for_user(*, user, pk) -> Safeguard:
    return get_object_or_404(
        Safeguard.objects.filter(incident__owner=user).select_related("incident"), pk=pk
    )


def material_get_for_user(*, user, pk) -> PromisedMaterial:
    return get_object_or_404(
        PromisedMaterial.objects.filter(incident__owner=user).select_related("incident"), pk=pk
    )


def contacts_for_user(*, user) -> QuerySet[Contact]:
    return Contact.objects.filter(owner=user)


def open_incidents_for_dashboard(*, user) -> QuerySet[Incident]:
    """Open incidents with what each dashboard row shows, in a constant number of queries."""
    current = Reschedule.objects.filter(cancelled_at__isnull=True).order_by("-requested_at", "-pk")
    return (
        incidents_for_user(user=user)
        .exclude(phase=Incident.Phase.CLOSED)
        # A correlated count, not a JOIN + GROUP BY over every incident column: the rows then
        # come straight off the `incident_open_by_owner` index in dashboard order.
        .annotate(
            materials_open=Coalesce(
                Subquery(
                    PromisedMaterial.objects.filter(
                        incident=OuterRef("pk"), status=PromisedMaterial.Status.PENDING
                    )
                    .order_by()
                    .values("incident")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
        .prefetch_related(
            Prefetch("reschedules", queryset=current.prefetch_related("slots"),
                     to_attr="live_reschedules"),
        )
        .order_by("-discovered_at", "-pk")
    )


def incident_detail(*, user, pk) -> Incident:
    """One incident with everything its page shows, in a constant number of queries."""
    qs = incidents_for_user(user=user).prefetch_related(
        "contacts",
        Prefetch("outreach", queryset=Outreach.objects.select_related("contact")),
        Prefetch(
            "reschedules",
            queryset=Reschedule.objects.select_related("interviewer", "accepted_slot")
            .prefetch_related("slots")
            .order_by("requested_at", "pk"),
        ),
        "safeguards",
        "materials",
        Prefetch("timeline", queryset=_timeline_qs()),
    )
    return get_object_or_404(qs, pk=pk)


def _timeline_qs():
    return TimelineEvent.objects.select_related("actor").order_by("at", "pk")


def current_reschedule(incident: Incident) -> Reschedule | None:
    """The reschedule in play: the one that is not cancelled (there is at most one)."""
    return (
        incident.reschedules.filter(cancelled_at__isnull=True)
        .order_by("-requested_at", "-pk")
        .first()
    )


def facts_from(
    incident: Incident, *, reschedule: Reschedule | None, has_slots: bool, materials_open: int
) -> phases.Facts:
    """The plain facts `phases` decides on, from an incident and its reschedule in play."""
    r = reschedule
    confirmed = r is not None and r.is_confirmed
    return phases.Facts(
        phase=incident.phase,
        outcome=incident.outcome,
        apology_recorded=incident.first_outreach_at is not None,
        reschedule_requested=r is not None and has_slots,
        reply=r.reply if r is not None else "",
        followed_up=r is not None and r.followed_up_at is not None,
        confirmed=confirmed,
        confirmed_start=r.start if confirmed else None,
        attended=incident.attended_at is not None,
        thank_you_sent=incident.thank_you_sent_at is not None,
        materials_open=materials_open,
        lessons_recorded=bool(incident.lessons.strip()),
    )


def incident_facts(incident: Incident) -> phases.Facts:
    """The facts read fresh from the database (three queries)."""
    r = current_reschedule(incident)
    return facts_from(
        incident,
        reschedule=r,
        has_slots=r is not None and r.slots.exists(),
        materials_open=incident.materials.filter(status=PromisedMaterial.Status.PENDING).count(),
    )


def dashboard_facts(incident: Incident) -> phases.Facts:
    """The facts of a row from `open_incidents_for_dashboard`, with no further query."""
    live = incident.live_reschedules
    r = live[0] if live else None
    return facts_from(
        incident,
        reschedule=r,
        has_slots=r is not None and bool(r.slots.all()),
        materials_open=incident.materials_open,
    )


@dataclass(frozen=True)
class History:
    incidents: list[Incident]
    total: int
    closed: int
    outcomes: list[tuple[str, int]]
    causes: list[tuple[str, int]]
    repeated_causes: list[tuple[str, int]]
    median_minutes_to_first_outreach: float | None
    within_hour: int
    with_outreach: int


def history_for_user(*, user, limit: int = 50) -> History:
    """The person's own pattern: outcomes, causes, time to first contact, repeats."""
    base = incidents_for_user(user=user)
    cause_labels = dict(Incident.Cause.choices)
    outcome_labels = dict(Incident.Outcome.choices)
    cause_counts = Counter(
        {row["cause"]: row["n"] for row in base.values("cause").annotate(n=Count("pk"))}
    )
    outcome_counts = Counter(
        {
            row["outcome"]: row["n"]
            for row in base.filter(phase=Incident.Phase.CLOSED)
            .values("outcome")
            .annotate(n=Count("pk"))
        }
    )
    pairs = list(
        base.filter(first_outreach_at__isnull=False).values_list(
            "discovered_at", "first_outreach_at"
        )
    )
    minutes = [max((b - a).total_seconds() / 60, 0) for a, b in pairs]
    recent = list(base.order_by("-discovered_at", "-pk")[:limit])
    return History(
        incidents=recent,
        total=sum(cause_counts.values()),
        closed=sum(outcome_counts.values()),
        outcomes=[(outcome_labels.get(k, k), n) for k, n in outcome_counts.most_common()],
        causes=[(cause_labels.get(k, k), n) for k, n in cause_counts.most_common()],
        repeated_causes=[
            (cause_labels.get(k, k), n) for k, n in cause_counts.most_common() if n > 1
        ],
        median_minutes_to_first_outreach=statistics.median(minutes) if minutes else None,
        within_hour=sum(1 for m in minutes if m <= 60),
        with_outreach=len(minutes),
    )

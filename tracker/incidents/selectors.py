"""Reads, always scoped to an owner. Another person's object is a 404, never a leak."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from . import models, phases, situation
from .models import Contact, Incident, Outreach, PromisedMaterial, ProposedSlot, Reschedule
from .situation import Situation


def incidents_for_user(*, user) -> QuerySet[Incident]:
    return Incident.objects.filter(owner=user)


def incident_get_for_user(*, user, pk) -> Incident:
    return get_object_or_404(incidents_for_user(user=user), pk=pk)


def contact_get_for_user(*, user, pk) -> Contact:
    return get_object_or_404(Contact.objects.filter(owner=user), pk=pk)


def _incident_child(model, *, user, pk, via: str = "incident"):
    """A row that belongs to an incident (through `via`), if that incident is the user's."""
    rows = model.objects.filter(**{f"{via}__owner": user}).select_related(via)
    return get_object_or_404(rows, pk=pk)


def outreach_get_for_user(*, user, pk) -> Outreach:
    return _incident_child(Outreach, user=user, pk=pk)


def reschedule_get_for_user(*, user, pk) -> Reschedule:
    return _incident_child(Reschedule, user=user, pk=pk)


def slot_get_for_user(*, user, pk) -> ProposedSlot:
    return _incident_child(ProposedSlot, user=user, pk=pk, via="reschedule__incident")


def safeguard_get_for_user(*, user, pk) -> models.Safeguard:
    return _incident_child(models.Safeguard, user=user, pk=pk)


def material_get_for_user(*, user, pk) -> PromisedMaterial:
    return _incident_child(PromisedMaterial, user=user, pk=pk)


def contacts_for_user(*, user) -> QuerySet[Contact]:
    return Contact.objects.filter(owner=user)


def known_contact_zones(*, user, limit: int = 200) -> list[dict]:
    """The person's contacts whose zone is recorded (name, email, zone), newest first: the log
    form prefills the interview's zone when one of them is typed again."""
    rows = (
        contacts_for_user(user=user).exclude(time_zone="").order_by("-pk")
        .values_list("name", "email", "time_zone")[:limit]
    )
    return [{"name": n, "email": e, "zone": z} for n, e, z in rows]


def open_incidents_for_dashboard(*, user) -> QuerySet[Incident]:
    """Open incidents with what each dashboard row shows, in a constant number of queries."""
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
            # Only the live reschedule: the one `situation.current_of` can pick. A plain list
            # (`to_attr`): read twice a row, a related manager would build two querysets. A row
            # needs only whether its request proposed times: an `Exists`, not the slots (their
            # prefetch was a third of the dashboard's fetch).
            Prefetch(
                "reschedules",
                queryset=Reschedule.objects.filter(cancelled_at__isnull=True)
                .select_related("interviewer")
                .annotate(
                    has_slots=Exists(ProposedSlot.objects.filter(reschedule=OuterRef("pk")))
                ),
                to_attr="live_reschedules",
            ),
        )
        .order_by("-discovered_at", "-pk")
    )


def open_incident_count(*, user) -> int:
    """How many open incidents the dashboard pages through (a plain COUNT: no annotation to
    build and strip)."""
    return incidents_for_user(user=user).exclude(phase=Incident.Phase.CLOSED).count()


def dashboard_situations(incidents) -> list[Situation]:
    """The situations of rows from `open_incidents_for_dashboard` (their contacts, safeguards and
    slots are not loaded; the open materials are a count, the slots a yes or no). Whether a
    confirmed time was confirmed in writing, the one safeguard a row's next step needs, is one
    query over the rows that have a confirmed reschedule, none when no row has one."""
    incidents = list(incidents)
    confirmed = [i.pk for i in incidents
                 if any(r.confirmed_at is not None for r in i.live_reschedules)]
    written = set()
    if confirmed:
        written = set(
            models.Safeguard.objects.filter(
                incident__in=confirmed, kind=models.Safeguard.Kind.CONFIRMATION_SENT,
                done_at__isnull=False,
            ).values_list("incident_id", flat=True)
        )
    return [
        situation.build(
            i, reschedules=i.live_reschedules, materials_open=i.materials_open,
            confirmation_sent=i.pk in written, slots_loaded=False,
        )
        for i in incidents
    ]


# The incident page lists the latest outreach and timeline events of a long record; a link
# shows them all.
RECENT_LIMIT = 50


def _situation_prefetches() -> list:
    return [
        Prefetch(
            "reschedules",
            queryset=Reschedule.objects.select_related("interviewer", "accepted_slot")
            .prefetch_related("slots")
            .order_by("requested_at", "pk"),
        ),
        Prefetch("contacts", queryset=Contact.objects.order_by("pk")),
        "safeguards",
        "materials",
    ]


def incident_detail(*, user, pk, recent: int | None = None) -> Incident:
    """One incident with everything its page shows, in a constant number of queries.

    With `recent`, only the latest `recent + 1` outreach and timeline events are loaded, as
    lists `recent_outreach` and `recent_timeline`, newest first (the one over the limit says
    older ones exist, without a COUNT); `incident.outreach` and `.timeline` are then not
    prefetched."""
    outreach = Outreach.objects.select_related("contact")
    if recent is None:
        lists = [Prefetch("outreach", queryset=outreach),
                 Prefetch("timeline", queryset=_timeline_qs())]
    else:
        lists = [
            Prefetch("outreach", to_attr="recent_outreach",
                     queryset=outreach.order_by("-occurred_at", "-pk")[: recent + 1]),
            Prefetch("timeline", to_attr="recent_timeline",
                     queryset=_timeline_qs().order_by("-at", "-pk")[: recent + 1]),
        ]
    qs = incidents_for_user(user=user).select_related("owner__profile").prefetch_related(
        *_situation_prefetches(), *lists
    )
    return get_object_or_404(qs, pk=pk)


def _timeline_qs():
    return models.TimelineEvent.objects.select_related("actor").order_by("at", "pk")


def _reminders_off(incident: Incident) -> list[str]:
    return incident.owner.profile.reminders_off or []


def situation_of(incident: Incident) -> Situation:
    """The situation of an incident loaded by `incident_detail` (or `situation_for`): no
    further query."""
    return situation.build(
        incident,
        reschedules=incident.reschedules.all(),
        contacts=incident.contacts.all(),
        safeguards=incident.safeguards.all(),
        materials=incident.materials.all(),
        reminders_off=_reminders_off(incident),
    )


def situation_for(incident: Incident) -> Situation:
    """The situation read fresh from the database (a fixed number of queries): what services
    decide on under the incident's lock, and what `reminders_sync` plans from after a write.
    The rows are read into a new instance: the caller's incident and its caches are left as
    they are (they may predate the write)."""
    fresh = (
        Incident.objects.select_related("owner__profile")
        .prefetch_related(*_situation_prefetches())
        .get(pk=incident.pk)
    )
    return situation_of(fresh)


def situations_for_dispatch(incident_ids) -> dict[int, Situation]:
    """Fresh situations of several incidents at once (a fixed number of queries), for the
    dispatcher's re-check just before sending."""
    incidents = Incident.objects.filter(pk__in=list(incident_ids)).select_related(
        "owner__profile"
    ).prefetch_related(*_situation_prefetches())
    return {i.pk: situation_of(i) for i in incidents}


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


class _Median(Aggregate):
    """PostgreSQL's median of an interval, the one `statistics.median` gives (the mean of the
    two middle values when their number is even)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY GREATEST(%(expressions)s, INTERVAL '0'))"
    output_field = DurationField()


def _first_outreach_stats(incidents: QuerySet[Incident]) -> tuple[int, int, float | None]:
    """(incidents with an outreach, of which inside the first hour, median minutes to it),
    counted in the database: never one row per incident into Python. A first outreach logged
    before the miss was discovered counts as 0 minutes."""
    reached = incidents.filter(first_outreach_at__isnull=False)
    gap = ExpressionWrapper(F("first_outreach_at") - F("discovered_at"), DurationField())
    aggregates = {
        "n": Count("pk"),
        "within_hour": Count(
            "pk", filter=Q(first_outreach_at__lte=F("discovered_at") + phases.FIRST_HOUR)
        ),
    }
    postgres = connections[reached.db].vendor == "postgresql"
    if postgres:
        aggregates["median"] = _Median(gap)
    row = reached.aggregate(**aggregates)
    n = row["n"]
    if not n:
        return 0, 0, None
    if postgres:
        median = max(row["median"].total_seconds() / 60, 0)
    else:
        # SQLite has no percentile: read the one or two middle gaps, in gap order.
        lo = (n - 1) // 2
        middle = reached.annotate(gap=gap).order_by("gap", "pk").values_list("gap", flat=True)[
            lo : lo + (1 if n % 2 else 2)
        ]
        median = statistics.mean(max(g.total_seconds() / 60, 0) for g in middle)
    return n, row["within_hour"], median


def history_for_user(*, user, limit: int = 50) -> History:
    """The person's own pattern: outcomes, causes, time to first contact, repeats.

    A constant number of queries, whatever the number of incidents: the counts are grouped
    in the database, the time to first outreach is aggregated there, and only the latest
    `limit` incidents are loaded."""
    base = incidents_for_user(user=user)
    cause_labels = dict(Incident.Cause.choices)
    outcome_labels = dict(Incident.Outcome.choices)
    cause_counts: Counter[str] = Counter()
    outcome_counts: Counter[str] = Counter()
    groups = (
        base.order_by("cause", "phase", "outcome")
        .values("cause", "phase", "outcome")
        .annotate(n=Count("pk"))
    )
    for row in groups:
        cause_counts[row["cause"]] += row["n"]
        if row["phase"] == Incident.Phase.CLOSED:
            outcome_counts[row["outcome"]] += row["n"]
    with_outreach, within_hour, median = _first_outreach_stats(base)
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
        median_minutes_to_first_outreach=median,
        within_hour=within_hour,
        with_outreach=with_outreach,
    )

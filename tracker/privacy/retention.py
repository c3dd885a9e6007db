"""Retention: contact details of incidents closed for longer than PRIVACY_RETENTION_MONTHS are
erased by a periodic task (tasks.retention_sweep), keeping the incident's facts and lessons."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef

from tracker.incidents.models import Contact, Incident, Outreach, Reschedule, TimelineEvent

from .models import ContactErasure
from .services import ERASED, _now

log = logging.getLogger("tracker.privacy.services")


def months_before(now: datetime, months: int) -> datetime:
    """The same wall-clock instant `months` calendar months earlier (the day clamped to the
    month's length: 31 March minus one month is 28 or 29 February)."""
    import calendar as cal

    total = now.year * 12 + (now.month - 1) - months
    year, month = divmod(total, 12)
    day = min(now.day, cal.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def retention_cutoff(now: datetime) -> datetime:
    return months_before(now, settings.PRIVACY_RETENTION_MONTHS)


def notice_cache_key(person_id: int) -> str:
    """Where the history page's retention notice is kept for a few minutes (it changes when the
    sweep erases, which forgets it, or as months pass)."""
    return f"privacy:retention-notice:{person_id}:{settings.PRIVACY_RETENTION_MONTHS}"


def _scrub(text: str, needles: list[str]) -> str:
    for needle in needles:
        if needle and needle in text:
            text = text.replace(needle, ERASED)
    return text


def retention_erase(*, now: datetime, batch: int = 200) -> dict[str, int]:
    """Erase the contact details of incidents closed before the retention period: the
    contacts' links (a contact no other incident needs is deleted), who each outreach went to
    and its words, the interviewer and the link or place of each reschedule, and the contacts'
    names, addresses and numbers wherever the timeline quotes them. The incident's facts
    (company, role, times, cause, phase, outcome) and its lessons stay. Idempotent: each
    incident is erased once (ContactErasure), and a reopened one is left alone."""
    now = _now(now)
    cutoff = retention_cutoff(now)
    totals = {"incidents": 0, "contacts_unlinked": 0, "contacts_deleted": 0, "outreach_cleared": 0}
    due = (
        Incident.objects.filter(phase=Incident.Phase.CLOSED, closed_at__lt=cutoff)
        .exclude(Exists(ContactErasure.objects.filter(incident_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(due)
    owners: set[int] = set()
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            chunk = list(
                Incident.objects.select_for_update()
                .filter(
                    pk__in=ids[start : start + batch],
                    phase=Incident.Phase.CLOSED,
                    closed_at__lt=cutoff,
                )
                .exclude(Exists(ContactErasure.objects.filter(incident_id=OuterRef("pk"))))
                .values_list("pk", "owner_id")
            )
            if not chunk:
                continue
            owners.update(owner for _, owner in chunk)
            chunk = [pk for pk, _ in chunk]
            through = Incident.contacts.through
            contact_ids = set(
                through.objects.filter(incident_id__in=chunk).values_list("contact_id", flat=True)
            )
            contact_ids |= set(
                Outreach.objects.filter(incident_id__in=chunk, contact__isnull=False).values_list(
                    "contact_id", flat=True
                )
            )
            contact_ids |= set(
                Reschedule.objects.filter(
                    incident_id__in=chunk, interviewer__isnull=False
                ).values_list("interviewer_id", flat=True)
            )
            needles = sorted(
                {
                    v
                    for row in Contact.objects.filter(pk__in=contact_ids).values_list(
                        "name", "email", "phone"
                    )
                    for v in row
                    if v and len(v) > 1
                },
                key=len,
                reverse=True,
            )
            links = dict.fromkeys(chunk, 0)
            for incident_id in through.objects.filter(incident_id__in=chunk).values_list(
                "incident_id", flat=True
            ):
                links[incident_id] += 1
            outreach = dict.fromkeys(chunk, 0)
            for incident_id in Outreach.objects.filter(incident_id__in=chunk).values_list(
                "incident_id", flat=True
            ):
                outreach[incident_id] += 1
            through.objects.filter(incident_id__in=chunk).delete()
            Outreach.objects.filter(incident_id__in=chunk).update(contact=None, subject="", text="")
            Reschedule.objects.filter(incident_id__in=chunk).update(interviewer=None, location="")
            events = list(TimelineEvent.objects.filter(incident_id__in=chunk))
            changed = []
            for e in events:
                scrubbed = _scrub(e.message, needles)
                if scrubbed != e.message:
                    e.message = scrubbed
                    changed.append(e)
            TimelineEvent.objects.bulk_update(changed, ["message"], batch_size=500)
            # A contact still linked to, written to or interviewing in a kept incident stays.
            orphans = (
                Contact.objects.filter(pk__in=contact_ids)
                .exclude(Exists(through.objects.filter(contact_id=OuterRef("pk"))))
                .exclude(Exists(Outreach.objects.filter(contact_id=OuterRef("pk"))))
                .exclude(Exists(Reschedule.objects.filter(interviewer_id=OuterRef("pk"))))
            )
            deleted = orphans.delete()[1].get(Contact._meta.label, 0)
            ContactErasure.objects.bulk_create(
                ContactErasure(
                    incident_id=i,
                    erased_at=now,
                    contacts_unlinked=links[i],
                    outreach_cleared=outreach[i],
                    contacts_deleted=deleted if i == chunk[0] else 0,
                )
                for i in chunk
            )
            TimelineEvent.objects.bulk_create(
                TimelineEvent(
                    incident_id=i,
                    at=now,
                    kind="retention",
                    message="Contact details erased: closed for over "
                    f"{settings.PRIVACY_RETENTION_MONTHS} months",
                )
                for i in chunk
            )
            totals["incidents"] += len(chunk)
            totals["contacts_unlinked"] += sum(links.values())
            totals["contacts_deleted"] += deleted
            totals["outreach_cleared"] += sum(outreach.values())
    if owners:
        cache.delete_many([notice_cache_key(owner) for owner in owners])
    if totals["incidents"]:
        log.info(
            "Retention: contact details of %d incidents erased", totals["incidents"], extra=totals
        )
    return totals



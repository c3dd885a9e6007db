"""The situation of one incident: everything the pages, the drafts, the reminders and the
emails need to know about it, as one frozen value.

`build` is the only place that picks the current reschedule (`current_of`), the confirmed
interview and its version, the person's zone and the interviewer's zone, and turns the rows
into the facts `phases` and `planning` decide on. It runs no query: the selectors
(`selectors.situation_for`, `selectors.situations_for_dispatch`) load the rows in a fixed number
of queries and hand them over; the rows' related lists are read with `.all()`, so what was
prefetched is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from tracker.reminders import planning

from . import phases
from .models import Contact, Incident, PromisedMaterial, ProposedSlot, Reschedule, Safeguard


def current_of(reschedules: Iterable[Reschedule]) -> Reschedule | None:
    """THE current reschedule: the newest one not cancelled (the database allows at most one).
    A confirmed interview is the current reschedule once it is confirmed."""
    live = [r for r in reschedules if r.cancelled_at is None]
    return max(live, key=lambda r: (r.requested_at, r.pk)) if live else None


def called_off_of(reschedules: Iterable[Reschedule]) -> Reschedule | None:
    """The last confirmed interview that was called off (the highest calendar SEQUENCE among
    the cancelled, confirmed reschedules), if any."""
    off = [r for r in reschedules if r.confirmed_at is not None and r.cancelled_at is not None]
    return max(off, key=lambda r: (r.sequence, r.cancelled_at, r.pk)) if off else None


def person_zone(incident: Incident) -> str:
    """Where the person is for this incident: reminders are planned and every time is shown
    in this zone first."""
    return incident.candidate_tz or "UTC"


def interviewer_zone(incident: Incident, interview: Reschedule | None, person_tz: str) -> str:
    """Where the other side is: the zone the interview was agreed in, else the zone of the
    missed interview; when that is the person's own zone, the interviewer's zone if known."""
    zone = (interview.time_zone if interview is not None else "") or incident.interview_tz
    interviewer = interview.interviewer if interview is not None else None
    if zone == person_tz and interviewer is not None and interviewer.time_zone:
        zone = interviewer.time_zone
    return zone or person_tz


@dataclass(frozen=True)
class Situation:
    """One incident as the rules see it now. Rows are ORM objects already loaded; everything
    else is plain data derived once."""

    incident: Incident
    contacts: tuple[Contact, ...]
    # Every reschedule, oldest first; `current` is the one in play, `slots` its proposed times.
    reschedules: tuple[Reschedule, ...]
    current: Reschedule | None
    slots: tuple[ProposedSlot, ...]
    safeguards: tuple[Safeguard, ...]
    materials: tuple[PromisedMaterial, ...]
    materials_open: int
    person_tz: str
    reminders_off: frozenset[str]
    facts: phases.Facts
    actions: tuple[phases.Action, ...]
    allowed: phases.Allowed

    # Derived once, when first asked (a dashboard row never asks for them).
    @cached_property
    def interviewer_tz(self) -> str:
        return interviewer_zone(self.incident, self.interview, self.person_tz)

    @cached_property
    def recipient_tz(self) -> str:
        """Issue 15: where the person the request went to is: a recruiter's, HR's or
        coordinator's own zone when one is recorded, else the interviewer's side."""
        for c in self.contacts:
            if c.role != Contact.Role.INTERVIEWER and c.time_zone:
                return c.time_zone
        return self.interviewer_tz

    @cached_property
    def plan(self) -> planning.Facts:
        return planning_facts(
            self.incident, self.current, person_tz=self.person_tz,
            reminders_off=self.reminders_off, reschedules=self.reschedules,
            recipient_tz=self.recipient_tz,
        )

    @property
    def interview(self) -> Reschedule | None:
        """The confirmed (not cancelled) rescheduled interview, if there is one."""
        r = self.current
        return r if r is not None and r.confirmed_at is not None else None

    @property
    def called_off(self) -> Reschedule | None:
        """The last confirmed interview that was called off, if any (see `calendar_entry`)."""
        return called_off_of(self.reschedules)

    @property
    def calendar_entry(self) -> Reschedule | None:
        """What the person's calendar should hold for this incident's one calendar identity:
        the confirmed interview, else the last one called off (a cancelled event), else
        nothing."""
        return self.interview if self.interview is not None else self.called_off

    @property
    def version(self) -> int:
        """The version of the confirmed interview's time (0 when none is confirmed)."""
        return self.interview.version if self.interview is not None else 0

    @property
    def is_open(self) -> bool:
        return self.incident.phase != phases.CLOSED

    @property
    def suggested_draft(self) -> str | None:
        return phases.suggested_draft(self.facts)

    @property
    def interviewers(self) -> list[Contact]:
        return [c for c in self.contacts if c.role == Contact.Role.INTERVIEWER]

    @property
    def their_zone(self) -> str:
        """The zone a time for the other side is offered in first: the interviewer's own when
        recorded on their contact, else the missed interview's."""
        return next((c.time_zone for c in self.interviewers if c.time_zone),
                    self.incident.interview_tz)

    @property
    def safeguards_open(self) -> int:
        return sum(1 for s in self.safeguards if s.done_at is None)

    def clock(self, now: datetime) -> phases.FirstHourClock:
        i = self.incident
        return phases.first_hour_clock(
            discovered_at=i.discovered_at, first_outreach_at=i.first_outreach_at, now=now
        )


def phase_facts(
    incident: Incident, current: Reschedule | None, *, has_slots: bool, materials_open: int,
    confirmation_sent: bool = False,
) -> phases.Facts:
    confirmed = current is not None and current.confirmed_at is not None
    return phases.Facts(
        phase=incident.phase,
        outcome=incident.outcome,
        apology_recorded=incident.first_outreach_at is not None,
        reschedule_requested=current is not None and has_slots,
        reply=current.reply if current is not None else "",
        followed_up=current is not None and current.followed_up_at is not None,
        confirmed=confirmed,
        confirmed_start=current.start if confirmed else None,
        attended=incident.attended_at is not None,
        thank_you_sent=incident.thank_you_sent_at is not None,
        materials_open=materials_open,
        lessons_recorded=bool(incident.lessons.strip()),
        confirmation_sent=confirmation_sent,
    )


def planning_facts(
    incident: Incident, current: Reschedule | None, *, person_tz: str,
    reminders_off: frozenset[str], reschedules: Iterable[Reschedule] = (),
    recipient_tz: str = "",
) -> planning.Facts:
    request = interview = None
    if current is not None and current.confirmed_at is None:
        request = planning.Request(
            reschedule_id=current.pk,
            requested_at=current.requested_at,
            replied=current.reply != Reschedule.Reply.PENDING,
            followed_up=current.followed_up_at is not None,
            recipient_tz=recipient_tz,  # issue 15: the follow-up in their working hours
        )
    if current is not None and current.confirmed_at is not None:
        interview = planning.Interview(
            reschedule_id=current.pk,
            version=current.version,
            start=current.start,
            end=current.end,
            sequence=current.sequence,
            change=current.last_change if current.last_change != planning.CALLED_OFF else "",
            changed_at=current.last_change_at,
            ready=current.is_ready,  # issue 15
            reconfirmed=current.is_reconfirmed,
        )
    off = called_off_of(reschedules)
    called_off = None
    if off is not None and off.last_change == planning.CALLED_OFF and off.last_change_at:
        called_off = planning.CalledOff(
            reschedule_id=off.pk, sequence=off.sequence, start=off.start, end=off.end,
            at=off.last_change_at,
        )
    return planning.Facts(
        incident_id=incident.pk,
        is_open=incident.phase != phases.CLOSED,
        person_tz=person_tz,
        discovered_at=incident.discovered_at,
        first_outreach_at=incident.first_outreach_at,
        request=request,
        interview=interview,
        thank_you_sent=incident.thank_you_sent_at is not None,
        reminders_off=reminders_off,
        called_off=called_off,
    )


def build(
    incident: Incident,
    *,
    reschedules: Iterable[Reschedule],
    contacts: Iterable[Contact] = (),
    safeguards: Iterable[Safeguard] = (),
    materials: Iterable[PromisedMaterial] | None = None,
    materials_open: int | None = None,
    reminders_off: Iterable[str] = (),
    confirmation_sent: bool | None = None,
    slots_loaded: bool = True,
) -> Situation:
    """The situation from loaded rows. `materials_open` may be given instead of the materials,
    `confirmation_sent` instead of the safeguards, and with `slots_loaded=False` each
    reschedule's `has_slots` (an `Exists` annotation) instead of its slots: from the database,
    for lists of incidents, whose situations then hold no slots."""
    reschedules = tuple(reschedules)
    current = current_of(reschedules)
    if current is None:
        slots, has_slots = (), False
    elif slots_loaded:
        slots = tuple(current.slots.all())
        has_slots = bool(slots)
    else:
        slots, has_slots = (), current.has_slots
    materials = tuple(materials) if materials is not None else ()
    if materials_open is None:
        materials_open = sum(1 for m in materials if m.status == PromisedMaterial.Status.PENDING)
    off = frozenset(reminders_off or ())
    zone = person_zone(incident)
    safeguards = tuple(safeguards)
    if confirmation_sent is None:
        confirmation_sent = any(
            s.kind == Safeguard.Kind.CONFIRMATION_SENT and s.done_at is not None
            for s in safeguards
        )
    facts = phase_facts(
        incident, current, has_slots=has_slots, materials_open=materials_open,
        confirmation_sent=confirmation_sent,
    )
    return Situation(
        incident=incident,
        contacts=tuple(contacts),
        reschedules=reschedules,
        current=current,
        slots=slots,
        safeguards=safeguards,
        materials=materials,
        materials_open=materials_open,
        person_tz=zone,
        reminders_off=off,
        facts=facts,
        actions=tuple(phases.next_actions(facts)),
        allowed=phases.allowed(facts),
    )

"""What the person's pages show, built from an incident's situation: the next actions as
links, the phase stepper, the incident page's context and its forms' initial values.

No query of its own: everything comes from `selectors.situation_of` / `dashboard_situations`.
The rules (which actions, which sections are open) come from `phases` through the situation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from tracker import zones
from tracker.incidents import phases
from tracker.incidents.models import Incident
from tracker.incidents.situation import Situation

from . import forms, slot_forms
from .fields import wall_time_in


@dataclass(frozen=True)
class ActionLink:
    label: str
    href: str
    draft_href: str | None


def action_links(situation: Situation, *, base: str = "", limit: int | None = None) -> list[
    ActionLink
]:
    """The next actions as links to their sections of the incident page at `base` ("": the
    page the links are on); `limit` keeps the first few (each draft link is a URL reversal)."""
    pk = situation.incident.pk
    return [
        ActionLink(
            label=action.label,
            href=f"{base}#{action.anchor}" if action.anchor else base or "#",
            draft_href=reverse("draft", args=[pk, action.draft]) if action.draft else None,
        )
        for action in situation.actions[:limit]
    ]


def stepper(phase: str) -> list[dict]:
    order = [p for p, _, _ in phases.PHASE_CHOICES]
    here = order.index(phase) if phase in order else 0
    return [
        {
            "label": label,
            "hint": hint,
            "state": "done" if i < here else ("current" if i == here else "todo"),
        }
        for i, (_, label, hint) in enumerate(phases.PHASE_CHOICES)
    ]


@dataclass(frozen=True)
class DashboardRow:
    incident: Incident
    href: str  # the incident page
    actions: list[ActionLink]
    clock: phases.FirstHourClock | None
    current: object  # the confirmed interview, if any


def dashboard_row(situation: Situation, now: datetime) -> DashboardRow:
    # The incident page's URL, reversed once: the row's title and its next step link to it.
    href = reverse("incident_detail", args=[situation.incident.pk])
    return DashboardRow(
        incident=situation.incident,
        href=href,
        # A row shows only the most urgent action.
        actions=action_links(situation, base=href, limit=1),
        clock=situation.clock(now) if situation.allowed.first_hour else None,
        current=situation.interview,
    )


def duration(minutes: int) -> str:
    """75 -> '75 min', 150 -> '2 h 30 min', 4000 -> '2 days': the first-hour clock stays
    readable on an incident left open for days."""
    m = int(minutes)
    if m < 120:
        return f"{m} min"
    if m < 48 * 60:
        return f"{m // 60} h {m % 60} min"
    return f"{m // (24 * 60)} days"


def relative(delta_seconds: float) -> str:
    """'in 26 hours', 'in 40 minutes', '3 days ago': how far an instant is from now."""
    ahead = delta_seconds >= 0
    minutes = int(abs(delta_seconds) // 60)
    if minutes < 1:
        return "now"
    if minutes < 90:
        n, unit = minutes, "minute"
    elif minutes < 48 * 60:
        n, unit = round(minutes / 60), "hour"
    else:
        n, unit = round(minutes / (24 * 60)), "day"
    words = f"{n} {unit}{'' if n == 1 else 's'}"
    return f"in {words}" if ahead else f"{words} ago"


@dataclass(frozen=True)
class NowCard:
    """What matters now, on top of the incident page: the next interview, or the first hour,
    or where the reschedule stands; and the one next step with its draft one click away."""

    kind: str  # "interview", "first_hour", "waiting", "closed", "phase"
    headline: str
    detail: str
    step: ActionLink | None
    more: list[ActionLink]
    started: bool = False  # the interview of the card has begun: "I attended it" is offered

    @property
    def record_href(self) -> str:
        """Where the step is recorded: the outreach form itself, not just its section."""
        if self.step is None:
            return ""
        href = self.step.href
        return href.replace("#outreach", "#record-outreach") if href.endswith("#outreach") else href


def now_card(situation: Situation, now: datetime, actions: list[ActionLink]) -> NowCard:
    i, f = situation.incident, situation.facts
    step, more = (actions[0], actions[1:3]) if actions else (None, [])
    interview = situation.interview
    if interview is not None and interview.attended_at is None:
        mine = zones.format_local(interview.start, situation.person_tz)
        detail = ""
        theirs = situation.interviewer_tz
        if theirs and theirs != situation.person_tz:
            detail = f"For them: {zones.format_local(interview.start, theirs)}"
        when = relative((interview.start - now).total_seconds())
        moved = " (moved)" if interview.version > 1 else ""
        return NowCard("interview", f"Your interview{moved}: {mine}, {when}", detail, step, more,
                       started=interview.start <= now)
    if situation.allowed.first_hour:
        clock = situation.clock(now)
        since = f"{duration(clock.minutes)} since you found out"
        if clock.running and clock.within_hour:
            headline = f"{since}: {clock.minutes_left} min left in the first hour"
        elif clock.running:
            headline = f"{since}: the first hour has passed, reach out now anyway"
        else:
            headline = (f"First outreach after {duration(clock.minutes)}: the first hour ends "
                        "when an apology reaches them")
        return NowCard("first_hour", headline, "", step, more)
    if f.phase == phases.CLOSED:
        return NowCard("closed", f"Closed: {i.get_outcome_display()}", "", step, more)
    current = situation.current
    if f.phase == phases.CORRECT and current is not None and f.reply == "pending":
        asked = relative((current.requested_at - now).total_seconds())
        return NowCard("waiting", f"New times proposed {asked}: waiting for their reply", "",
                       step, more)
    return NowCard("phase", i.get_phase_display(), "", step, more)


def confirm_initial(situation: Situation) -> dict:
    """The confirm form's starting values: the confirmed interview to move, else the slot they
    accepted, else the zone and format of the missed interview."""
    i, r = situation.incident, situation.current
    initial = {"time_zone": situation.their_zone, "format": i.format, "duration_minutes": 45}
    interviewers = situation.interviewers
    if interviewers:
        initial["interviewer"] = str(interviewers[0].pk)
    interview = situation.interview
    if interview is not None:
        initial.update(
            start=wall_time_in(interview.start, interview.time_zone),
            time_zone=interview.time_zone,
            duration_minutes=interview.duration_minutes,
            format=interview.format or i.format,
            location=interview.location,
            interviewer=str(interview.interviewer_id or ""),
        )
    elif r is not None and r.accepted_slot_id is not None:
        slot = next((s for s in situation.slots if s.pk == r.accepted_slot_id), r.accepted_slot)
        initial.update(
            start=wall_time_in(slot.start, slot.time_zone), time_zone=slot.time_zone
        )
    return initial


def outreach_initial(situation: Situation) -> dict:
    """The purpose the next outreach most likely has, so recording it is one tap."""
    f = situation.facts
    if f.phase == phases.CONTAIN:
        purpose = "apology"
    elif f.confirmed:
        purpose = "confirmation"
    elif f.phase == phases.CORRECT and f.reschedule_requested and f.reply == "pending":
        purpose = "follow_up"
    elif f.phase == phases.CORRECT:
        purpose = "reschedule"
    else:
        purpose = "other"
    contacts = situation.contacts
    return {"purpose": purpose, "contact": str(contacts[0].pk) if len(contacts) == 1 else ""}


def close_options(situation: Situation) -> list[dict]:
    return [
        {"value": value, "label": label,
         "blockers": phases.close_blockers(situation.facts, value)}
        for value, label in Incident.Outcome.choices
    ]


def _latest(items, key, recent: int | None) -> tuple[list, bool]:
    """Oldest first, and whether older ones were left out (see `selectors.incident_detail`)."""
    items = sorted(items, key=key)
    if recent is not None and len(items) > recent:
        return items[-recent:], True
    return items, False


def _loaded(incident: Incident, attr: str, manager) -> list:
    """The list `selectors.incident_detail(recent=...)` loaded, else the prefetched rows."""
    rows = getattr(incident, attr, None)
    return list(manager.all()) if rows is None else rows


def incident_page(situation: Situation, now: datetime, *, recent: int | None,
                  reminders=None) -> dict:
    """The incident page's context. Only the forms this phase shows are built; the others
    have their own pages."""
    i, allowed = situation.incident, situation.allowed
    outreach, outreach_more = _latest(
        _loaded(i, "recent_outreach", i.outreach), lambda o: (o.occurred_at, o.pk), recent
    )
    timeline, timeline_more = _latest(
        _loaded(i, "recent_timeline", i.timeline), lambda e: (e.at, e.pk), recent
    )
    # Listed and offered by name; the situation keeps them in the order they were added.
    contacts = sorted(situation.contacts, key=lambda c: (c.name, c.pk))
    actions = action_links(situation)
    ctx = {
        "incident": i,
        "situation": situation,
        "facts": situation.facts,
        "allowed": allowed,
        "steps": stepper(i.phase),
        "actions": actions,
        "now_card": now_card(situation, now, actions),
        "clock": situation.clock(now),
        "contacts": contacts,
        "outreach": outreach,
        "outreach_more": outreach_more,
        "recent": recent,
        "reschedules": list(situation.reschedules),
        "current": situation.current,
        "safeguards": list(situation.safeguards),
        "safeguards_done": sum(1 for s in situation.safeguards if s.done_at),
        "safeguards_open": any(not s.done_at for s in situation.safeguards),
        "materials": list(situation.materials),
        "timeline": timeline,
        "timeline_more": timeline_more,
        "close_options": close_options(situation),
        "suggested_draft": situation.suggested_draft,
        "time_bound": phases.TIME_BOUND_SAFEGUARDS,
        "reminders": reminders,
        # Several forms share field names (time_zone, contact, text): each gets its own ids,
        # so every label on the page points at its own field.
        "outreach_form": forms.OutreachForm(
            contacts=contacts, now=now, initial=outreach_initial(situation),
            auto_id="outreach-%s",
        ),
        "contact_form": forms.ContactForm(
            initial={"time_zone": i.interview_tz}, auto_id="contact-%s"
        ),
        "lessons_form": forms.LessonsForm(initial={"lessons": i.lessons}),
    }
    if allowed.request:
        ctx["request_form"] = slot_forms.SlotFormSet(
            now=now, zone=situation.their_zone, person_tz=situation.person_tz
        )
    if allowed.confirm:
        ctx["confirm_form"] = forms.ConfirmForm(
            contacts=contacts, now=now, initial=confirm_initial(situation),
            auto_id="confirm-%s", person_tz=situation.person_tz,
        )
    if allowed.thank:
        ctx["thank_you_form"] = forms.ThankYouForm(contacts=contacts, auto_id="thank-you-%s")
    if allowed.edit:
        ctx["material_form"] = forms.MaterialForm()
    if allowed.reply:
        ctx["reply_form"] = forms.ReplyForm(
            reschedule=situation.current, person_tz=situation.person_tz,
            interviewer_tz=i.interview_tz,
        )
    return ctx

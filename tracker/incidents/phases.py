"""The phase rules: contain -> correct -> consolidate -> closed.

Pure: plain data in, plain data out; no ORM and no clock (`now` is passed in). This module is the
only place that decides a transition; services ask it and then write what it said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.messaging import composer as drafts

CONTAIN, CORRECT, CONSOLIDATE, CLOSED = "contain", "correct", "consolidate", "closed"
PHASES = (CONTAIN, CORRECT, CONSOLIDATE, CLOSED)
OPEN_PHASES = (CONTAIN, CORRECT, CONSOLIDATE)
# (value, label, what the phase is about): the model's choices and the page's stepper.
PHASE_CHOICES = (
    (CONTAIN, "Contain", "The first hour: apologise, offer times"),
    (CORRECT, "Correct", "Reschedule, confirm, safeguards"),
    (CONSOLIDATE, "Consolidate", "Thank-you, materials, lessons"),
    (CLOSED, "Closed", "Outcome recorded"),
)

RECOVERED, DECLINED, NO_RESPONSE, MOVED_ON = "recovered", "declined", "no_response", "moved_on"
OUTCOME_CHOICES = (
    (RECOVERED, "Recovered"),
    (DECLINED, "Declined"),
    (NO_RESPONSE, "No response"),
    (MOVED_ON, "Moved on"),
)

# What ends the first hour: an apology that reached them. An email sent (or answered) or a call
# that got through does; "called, no answer" and a lone voicemail do not (the voicemail promises
# the email, which then reaches them); a message (text, LinkedIn) is not enough on its own.
REACHING = {"email": frozenset({"sent", "replied"}), "call": frozenset({"reached", "replied"})}
FIRST_HOUR = timedelta(hours=1)
MIN_SLOTS, MAX_SLOTS = 2, 3


class TransitionRefused(Exception):
    """The rules do not allow this step now; the message says why, for the person."""


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one incident."""

    phase: str
    outcome: str = ""
    apology_recorded: bool = False
    reschedule_requested: bool = False
    reply: str = ""  # the open reschedule's reply: "", pending, accepted, declined, no_response
    followed_up: bool = False
    confirmed: bool = False
    confirmed_start: datetime | None = None
    attended: bool = False
    thank_you_sent: bool = False
    materials_open: int = 0
    lessons_recorded: bool = False
    # The confirmed time was confirmed in writing (the safeguard, ticked for this time).
    confirmation_sent: bool = False


@dataclass(frozen=True)
class Transition:
    phase: str
    outcome: str = ""

    def changes(self, facts: Facts) -> bool:
        return (self.phase, self.outcome) != (facts.phase, facts.outcome)


@dataclass(frozen=True)
class Action:
    """A next step for the person: its code, its label, the section of the incident page that
    holds its form (`anchor`), and the draft to write for it, if any (a composer kind)."""

    code: str
    label: str
    anchor: str = ""
    draft: str | None = None


def _action(code: str, label: str) -> Action:
    anchor, draft = _ACTIONS[code]
    return Action(code, label, anchor, draft)


# Each action's page section and draft: adding a step is one line here and one in next_actions.
_ACTIONS: dict[str, tuple[str, str | None]] = {
    "apology": ("outreach", drafts.APOLOGY_EMAIL),
    "outreach": ("outreach", drafts.APOLOGY_EMAIL),
    "request": ("reschedule", drafts.RESCHEDULE_REQUEST),
    "reply": ("reply", None),
    "follow_up": ("outreach", drafts.FOLLOW_UP),
    "close_no_response": ("close", drafts.KEEP_IN_TOUCH),
    "confirm": ("confirm", drafts.CONFIRMATION),
    "confirm_in_writing": ("safeguards", drafts.CONFIRMATION),
    "safeguards": ("safeguards", None),
    "attended": ("reschedule", None),
    "thank_you": ("thank-you", drafts.THANK_YOU),
    "materials": ("materials", drafts.MATERIALS_COVER),
    "lessons": ("lessons", None),
    "close": ("close", None),
    "reopen": ("close", None),
}


@dataclass(frozen=True)
class Allowed:
    """Which steps the incident page offers now; the services ask the same rules again."""

    edit: bool  # open: outreach, contacts, materials, details
    request: bool  # propose new times
    reply: bool  # record the reply to the proposed times
    confirm: bool  # confirm (or move) the agreed time
    attend: bool  # mark the confirmed interview attended
    thank: bool  # record the thank-you note
    first_hour: bool  # the first hour is what matters: its drafts and form come first
    unfold_request: bool  # nothing proposed yet in Correct: the slots form is open
    unfold_lessons: bool  # the lessons are what is left to write


def allowed(facts: Facts) -> Allowed:
    phase = facts.phase
    return Allowed(
        edit=phase != CLOSED,
        request=phase in (CONTAIN, CORRECT) and not facts.confirmed,
        reply=phase == CORRECT and facts.reschedule_requested and facts.reply == "pending",
        confirm=phase == CORRECT,
        attend=phase == CORRECT and facts.confirmed,
        thank=phase == CONSOLIDATE and not facts.thank_you_sent,
        first_hour=phase == CONTAIN,
        unfold_request=phase == CORRECT and not facts.reschedule_requested
        and not facts.confirmed,
        unfold_lessons=phase == CONSOLIDATE and not facts.lessons_recorded,
    )


def suggested_draft(facts: Facts) -> str | None:
    """The draft for where the incident stands: the first next action's, or for a closed
    incident the one its outcome calls for."""
    if facts.phase == CLOSED:
        if facts.outcome == DECLINED:
            return drafts.DECLINE_REPLY
        if facts.outcome in (NO_RESPONSE, MOVED_ON):
            return drafts.KEEP_IN_TOUCH
        return None
    if facts.phase == CORRECT and facts.confirmed:
        return drafts.CONFIRMATION
    return next((a.draft for a in next_actions(facts) if a.draft), None)


def require_open(facts: Facts, what: str) -> None:
    if facts.phase == CLOSED:
        raise TransitionRefused(f"This incident is closed; reopen it to {what}.")


def apology_reached(*, channel: str, result: str) -> bool:
    """Whether this outreach reached them: the end of the first hour."""
    return result in REACHING.get(channel, ())


def on_outreach(facts: Facts, *, channel: str, purpose: str, result: str) -> Transition:
    """An outreach that reached them (`apology_reached`) moves contain to correct; an
    unanswered call or a lone voicemail keeps the incident in contain, the first-hour nudge
    and the apology email as the next step.

    Outreach on a closed incident is only a log entry (a gracious reply to a decline, a
    keeping-in-touch note) and changes nothing. A thank-you note belongs to consolidate.
    """
    if purpose == "thank_you":
        return on_thank_you(facts)
    if facts.phase == CONTAIN and apology_reached(channel=channel, result=result):
        return Transition(CORRECT)
    return Transition(facts.phase, facts.outcome)


def on_reschedule_request(
    facts: Facts, *, slot_starts: Sequence[datetime] = (), now: datetime | None = None
) -> Transition:
    """Two or three distinct future slots; not once the interview is confirmed or took place.

    `slot_starts` must be aware datetimes; they are compared as instants.
    """
    require_open(facts, "ask for a new time")
    if facts.phase == CONSOLIDATE:
        raise TransitionRefused("The rescheduled interview already took place.")
    if facts.confirmed:
        raise TransitionRefused(
            "An interview is already confirmed; move it or call it off before proposing new times."
        )
    if not MIN_SLOTS <= len(slot_starts) <= MAX_SLOTS:
        raise TransitionRefused(f"Propose {MIN_SLOTS} or {MAX_SLOTS} slots.")
    if now is not None and any(start <= now for start in slot_starts):
        raise TransitionRefused("Every proposed slot must be in the future.")
    if len({start.timestamp() for start in slot_starts}) != len(slot_starts):
        raise TransitionRefused("Two proposed slots are the same time.")
    return Transition(facts.phase)


def on_reply(facts: Facts, *, reply: str) -> Transition:
    """A decline closes the incident; "no response" closes it only after one follow-up."""
    require_open(facts, "record a reply")
    if facts.phase == CONSOLIDATE:
        raise TransitionRefused("The rescheduled interview already took place.")
    if not facts.reschedule_requested:
        raise TransitionRefused("There is no reschedule request to reply to.")
    if facts.reply != "pending":
        raise TransitionRefused("A reply to that request is already recorded.")
    if reply == "declined":
        return Transition(CLOSED, DECLINED)
    if reply == "no_response":
        if not facts.followed_up:
            raise TransitionRefused(
                "Send one follow-up before recording that nobody answered."
            )
        return Transition(CLOSED, NO_RESPONSE)
    if reply == "accepted":
        return Transition(facts.phase)
    raise TransitionRefused(f"Unknown reply “{reply}”.")


def on_confirm(facts: Facts, *, start: datetime, now: datetime) -> Transition:
    require_open(facts, "confirm a new time")
    if facts.phase == CONTAIN:
        raise TransitionRefused("Record your apology (call, voicemail or email) first.")
    if facts.phase == CONSOLIDATE:
        raise TransitionRefused("The rescheduled interview already took place.")
    if start <= now:
        raise TransitionRefused("The confirmed time is in the past.")
    return Transition(facts.phase)


def on_attended(facts: Facts, *, now: datetime) -> Transition:
    require_open(facts, "mark the interview attended")
    if facts.phase != CORRECT or not facts.confirmed or facts.confirmed_start is None:
        raise TransitionRefused("Confirm the rescheduled interview first.")
    if facts.confirmed_start > now:
        raise TransitionRefused("The rescheduled interview has not started yet.")
    return Transition(CONSOLIDATE)


def on_cancel(facts: Facts) -> Transition:
    """Withdraw a request or call off the confirmed interview; not once it took place."""
    require_open(facts, "call off the interview")
    if facts.phase == CONSOLIDATE:
        raise TransitionRefused("That interview already took place.")
    return Transition(facts.phase)


def on_thank_you(facts: Facts) -> Transition:
    if facts.phase != CONSOLIDATE:
        raise TransitionRefused("The thank-you note comes after the rescheduled interview.")
    return Transition(facts.phase)


def close_blockers(facts: Facts, outcome: str) -> list[str]:
    """Why `outcome` cannot be recorded now; empty when it can."""
    if facts.phase == CLOSED:
        return ["The incident is already closed."]
    if outcome == MOVED_ON:
        return []
    if outcome == DECLINED:
        return [] if facts.phase in (CORRECT, CONSOLIDATE) else ["Nobody has replied yet."]
    if outcome == NO_RESPONSE:
        if facts.phase != CORRECT or not facts.reschedule_requested:
            return ["Ask for a new time first."]
        return [] if facts.followed_up else ["Send one follow-up before giving up on a reply."]
    if outcome == RECOVERED:
        blockers = []
        if facts.phase != CONSOLIDATE:
            return ["Attend the rescheduled interview first."]
        if not facts.thank_you_sent:
            blockers.append("Send the thank-you note.")
        if facts.materials_open:
            blockers.append(
                f"Deliver or drop the {facts.materials_open} promised item(s) still open."
            )
        if not facts.lessons_recorded:
            blockers.append("Write down the lessons.")
        return blockers
    return [f"Unknown outcome “{outcome}”."]


def on_close(facts: Facts, *, outcome: str) -> Transition:
    blockers = close_blockers(facts, outcome)
    if blockers:
        raise TransitionRefused(" ".join(blockers))
    return Transition(CLOSED, outcome)


def on_reopen(facts: Facts) -> Transition:
    """A reopened incident goes back to the phase its facts put it in; the record stays."""
    if facts.phase != CLOSED:
        raise TransitionRefused("The incident is not closed.")
    if facts.attended:
        return Transition(CONSOLIDATE)
    if facts.apology_recorded:
        return Transition(CORRECT)
    return Transition(CONTAIN)


def next_actions(facts: Facts) -> list[Action]:
    """What the person should do next, most urgent first."""
    if facts.phase == CONTAIN:
        return [
            _action("apology", "Call, leave a voicemail or send the apology email"),
            _action("outreach", "Record the call, voicemail or email you made"),
        ]
    if facts.phase == CORRECT:
        if not facts.reschedule_requested and not facts.confirmed:
            return [_action("request", "Propose two or three new times")]
        if facts.confirmed:
            actions = [
                _action("safeguards", "Work through the safeguards checklist"),
                _action("attended", "Mark the rescheduled interview attended"),
            ]
            if not facts.confirmation_sent:
                # A new or moved time is only safe once both sides have it in writing.
                actions.insert(0, _action("confirm_in_writing", "Confirm the time in writing"))
            return actions
        if facts.reply in ("declined", "no_response"):
            # Reopened after a decline or silence: start over with new times.
            return [_action("request", "Propose two or three new times")]
        if facts.reply == "accepted":
            return [_action("confirm", "Confirm the agreed time in writing")]
        actions = [_action("reply", "Record their reply")]
        if not facts.followed_up:
            actions.append(_action("follow_up", "No answer yet? Send one follow-up"))
        else:
            actions.append(_action("close_no_response", "Still nothing? Close as no response"))
        return actions
    if facts.phase == CONSOLIDATE:
        actions = []
        if not facts.thank_you_sent:
            actions.append(_action("thank_you", "Send the thank-you note today"))
        if facts.materials_open:
            actions.append(_action("materials", "Deliver the promised materials"))
        if not facts.lessons_recorded:
            actions.append(_action("lessons", "Write down the lessons"))
        if not actions:
            actions.append(_action("close", "Close the incident as recovered"))
        return actions
    return [_action("reopen", "Reopen if the door opens again")]


@dataclass(frozen=True)
class FirstHourClock:
    minutes: int  # since discovery, up to the first outreach if there was one
    running: bool  # no outreach yet
    within_hour: bool  # the first outreach happened (or can still happen) inside the hour
    minutes_left: int  # before the hour is up; 0 once it is


def first_hour_clock(
    *, discovered_at: datetime, first_outreach_at: datetime | None, now: datetime
) -> FirstHourClock:
    end = first_outreach_at or now
    elapsed = max(end - discovered_at, timedelta(0))
    minutes = int(elapsed.total_seconds() // 60)
    within = elapsed <= FIRST_HOUR
    left = max(FIRST_HOUR - elapsed, timedelta(0)) if first_outreach_at is None else timedelta(0)
    return FirstHourClock(
        minutes=minutes,
        running=first_outreach_at is None,
        within_hour=within,
        minutes_left=int(left.total_seconds() // 60),
    )


# The safeguards checklist of the Correct phase, seeded by cause; the first ones matter most.
_BASE_SAFEGUARDS = ("duplicate_alarms", "confirmation_sent", "confirm_day_before", "prep_block")
_SAFEGUARDS_BY_CAUSE = {
    "personal": ("duplicate_alarms", "partner", "join_early"),
    "transit": ("travel_buffer", "join_early"),
    "technical": ("tech_check", "join_early"),
    "emergency": ("partner",),
    "timezone": ("both_zones", "duplicate_alarms"),
    "calendar": ("both_zones", "duplicate_alarms", "confirm_day_before"),
    "other": ("join_early",),
}


# The safeguards about the interview's time: a move or a new time makes them stale, so they come
# back unticked "for the new time".
TIME_BOUND_SAFEGUARDS = (
    "confirmation_sent", "both_zones", "confirm_day_before", "duplicate_alarms",
)


def safeguards_for(*, cause: str, format: str) -> list[str]:
    """The safeguard kinds to seed for an incident, cause-specific ones first, no repeats."""
    kinds = list(_SAFEGUARDS_BY_CAUSE.get(cause, ())) + list(_BASE_SAFEGUARDS)
    if format == "video":
        kinds.append("tech_check")
    if format == "onsite":
        kinds.append("travel_buffer")
    seen: list[str] = []
    for k in kinds:
        if k not in seen:
            seen.append(k)
    return seen

"""The phase rules, pure: every transition allowed and refused, with no database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker.incidents import phases
from tracker.incidents.phases import (
    CLOSED,
    CONSOLIDATE,
    CONTAIN,
    CORRECT,
    DECLINED,
    MOVED_ON,
    NO_RESPONSE,
    RECOVERED,
    Facts,
    Transition,
    TransitionRefused,
)
from tracker.messaging import composer as c

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)

CONTAINED = Facts(phase=CONTAIN)
CORRECTING = Facts(phase=CORRECT, apology_recorded=True)
REQUESTED = replace(CORRECTING, reschedule_requested=True, reply="pending")
FOLLOWED_UP = replace(REQUESTED, followed_up=True)
ACCEPTED = replace(REQUESTED, reply="accepted")
CONFIRMED = replace(ACCEPTED, confirmed=True, confirmed_start=LATER)
CONSOLIDATING = replace(CONFIRMED, phase=CONSOLIDATE, attended=True)
READY_TO_CLOSE = replace(CONSOLIDATING, thank_you_sent=True, lessons_recorded=True)
CLOSED_DECLINED = replace(REQUESTED, phase=CLOSED, outcome=DECLINED, reply="declined")
CLOSED_IN_CONTAIN = Facts(phase=CLOSED, outcome=MOVED_ON)


# on_outreach -----------------------------------------------------------------------------


# Every channel and result: does the apology reach them, ending the first hour?
REACH_THEM = [("email", "sent"), ("email", "replied"), ("call", "reached"), ("call", "replied")]
DO_NOT_REACH = [
    ("call", "no_answer"), ("call", "voicemail"),
    ("voicemail", "voicemail"), ("voicemail", "sent"), ("voicemail", "no_answer"),
    ("email", "no_answer"),
    ("message", "sent"), ("message", "replied"), ("message", "reached"),
]
FIRST_HOUR_TABLE = [(*pair, True) for pair in REACH_THEM] + [
    (*pair, False) for pair in DO_NOT_REACH
]


def test_the_table_covers_every_channel_and_result():
    from tracker.incidents.models import Outreach

    table = {(c, r) for c, r, _ in FIRST_HOUR_TABLE}
    every = {(c, r) for c in Outreach.Channel.values for r in Outreach.Result.values}
    # Each channel with every result it can be recorded with is decided by the same rule:
    # only the pairs in phases.REACHING reach them.
    for channel, result in every:
        assert phases.apology_reached(channel=channel, result=result) == (
            result in phases.REACHING.get(channel, ())
        )
    assert {(c, r) for c, r, reached in FIRST_HOUR_TABLE if reached} == {
        (c, r) for c, results in phases.REACHING.items() for r in results
    }
    assert table <= every


@pytest.mark.parametrize(("channel", "result", "reached"), FIRST_HOUR_TABLE)
def test_only_an_apology_that_reached_them_ends_the_first_hour(channel, result, reached):
    t = phases.on_outreach(CONTAINED, channel=channel, purpose="apology", result=result)
    assert t == Transition(CORRECT if reached else CONTAIN)
    assert phases.apology_reached(channel=channel, result=result) is reached


def test_after_a_call_and_a_voicemail_the_apology_email_is_still_the_next_step():
    # Neither ended the first hour: the facts are unchanged, so is "Next".
    for result in ("no_answer", "voicemail"):
        assert phases.on_outreach(
            CONTAINED, channel="call", purpose="apology", result=result
        ) == Transition(CONTAIN)
    (first, *_) = phases.next_actions(CONTAINED)
    assert first.code == "apology" and first.draft == c.APOLOGY_EMAIL


@pytest.mark.parametrize("facts", [CORRECTING, CONFIRMED, CONSOLIDATING])
def test_later_outreach_keeps_the_phase(facts):
    t = phases.on_outreach(facts, channel="email", purpose="follow_up", result="sent")
    assert not t.changes(facts)


def test_outreach_on_a_closed_incident_is_a_log_entry_keeping_the_outcome():
    t = phases.on_outreach(CLOSED_DECLINED, channel="email", purpose="other", result="sent")
    assert t == Transition(CLOSED, DECLINED)
    assert not t.changes(CLOSED_DECLINED)


def test_thank_you_note_is_allowed_in_consolidate():
    assert phases.on_outreach(
        CONSOLIDATING, channel="email", purpose="thank_you", result="sent"
    ) == Transition(CONSOLIDATE)


@pytest.mark.parametrize("facts", [CONTAINED, CORRECTING, CONFIRMED, CLOSED_DECLINED])
def test_thank_you_note_is_refused_outside_consolidate(facts):
    with pytest.raises(TransitionRefused, match="after the rescheduled interview"):
        phases.on_outreach(facts, channel="email", purpose="thank_you", result="sent")


# on_reschedule_request ---------------------------------------------------------------------


def _slots(*hours):
    return [NOW + timedelta(hours=h) for h in hours]


@pytest.mark.parametrize("facts", [CONTAINED, CORRECTING, REQUESTED, ACCEPTED])
def test_request_with_two_or_three_future_slots_is_allowed_before_confirmation(facts):
    for starts in (_slots(24, 48), _slots(24, 48, 72)):
        assert phases.on_reschedule_request(facts, slot_starts=starts, now=NOW) == Transition(
            facts.phase
        )


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        (CLOSED_DECLINED, "closed; reopen it"),
        (CONSOLIDATING, "already took place"),
        (CONFIRMED, "already confirmed"),
    ],
)
def test_request_is_refused_when_closed_consolidating_or_confirmed(facts, message):
    with pytest.raises(TransitionRefused, match=message):
        phases.on_reschedule_request(facts, slot_starts=_slots(24, 48), now=NOW)


@pytest.mark.parametrize("hours", [(), (24,), (24, 48, 72, 96)])
def test_request_needs_two_or_three_slots(hours):
    with pytest.raises(TransitionRefused, match="2 or 3 slots"):
        phases.on_reschedule_request(CORRECTING, slot_starts=_slots(*hours), now=NOW)


@pytest.mark.parametrize("hours", [(0, 24), (-1, 24)])
def test_request_refuses_a_slot_now_or_in_the_past(hours):
    with pytest.raises(TransitionRefused, match="future"):
        phases.on_reschedule_request(CORRECTING, slot_starts=_slots(*hours), now=NOW)


def test_request_refuses_the_same_instant_twice_even_written_in_two_zones():
    a = NOW + timedelta(days=1)
    b = a.astimezone(ZoneInfo("Asia/Kathmandu"))
    with pytest.raises(TransitionRefused, match="same time"):
        phases.on_reschedule_request(CORRECTING, slot_starts=[a, b], now=NOW)


def test_request_accepts_both_halves_of_a_fall_back_hour_as_distinct_slots():
    # Same wall time and tzinfo, fold 0 and 1: Python compares them equal, the instants differ.
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin, fold=0)
    second = first.replace(fold=1)
    assert phases.on_reschedule_request(
        CORRECTING, slot_starts=[first, second], now=NOW
    ) == Transition(CORRECT)


# on_reply -----------------------------------------------------------------------------------


def test_accepted_reply_keeps_the_phase():
    assert phases.on_reply(REQUESTED, reply="accepted") == Transition(CORRECT)


def test_declined_reply_closes_as_declined():
    assert phases.on_reply(REQUESTED, reply="declined") == Transition(CLOSED, DECLINED)


def test_no_response_closes_after_one_follow_up():
    assert phases.on_reply(FOLLOWED_UP, reply="no_response") == Transition(CLOSED, NO_RESPONSE)


def test_no_response_is_refused_before_a_follow_up():
    with pytest.raises(TransitionRefused, match="one follow-up"):
        phases.on_reply(REQUESTED, reply="no_response")


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        (CLOSED_DECLINED, "closed"),
        (CONSOLIDATING, "already took place"),
        (CORRECTING, "no reschedule request"),
        (ACCEPTED, "already recorded"),
        (replace(REQUESTED, reply="declined"), "already recorded"),
    ],
)
def test_reply_is_refused(facts, message):
    with pytest.raises(TransitionRefused, match=message):
        phases.on_reply(facts, reply="accepted")


def test_unknown_reply_is_refused():
    with pytest.raises(TransitionRefused, match="Unknown reply"):
        phases.on_reply(REQUESTED, reply="maybe")


# on_confirm ---------------------------------------------------------------------------------


@pytest.mark.parametrize("facts", [CORRECTING, REQUESTED, ACCEPTED, CONFIRMED])
def test_confirm_a_future_time_in_correct(facts):
    assert phases.on_confirm(facts, start=LATER, now=NOW) == Transition(CORRECT)


@pytest.mark.parametrize(
    ("facts", "start", "message"),
    [
        (CONTAINED, LATER, "apology"),
        (CONSOLIDATING, LATER, "already took place"),
        (CLOSED_DECLINED, LATER, "closed"),
        (CORRECTING, NOW, "in the past"),
        (CORRECTING, NOW - timedelta(minutes=1), "in the past"),
    ],
)
def test_confirm_is_refused(facts, start, message):
    with pytest.raises(TransitionRefused, match=message):
        phases.on_confirm(facts, start=start, now=NOW)


# on_attended --------------------------------------------------------------------------------


@pytest.mark.parametrize("now", [LATER, LATER + timedelta(hours=3)])
def test_attended_once_the_confirmed_interview_started_moves_to_consolidate(now):
    assert phases.on_attended(CONFIRMED, now=now) == Transition(CONSOLIDATE)


@pytest.mark.parametrize(
    ("facts", "now", "message"),
    [
        (CONFIRMED, LATER - timedelta(seconds=1), "not started yet"),
        (ACCEPTED, LATER, "Confirm the rescheduled interview first"),
        (CORRECTING, LATER, "Confirm the rescheduled interview first"),
        (replace(CONFIRMED, phase=CONTAIN), LATER, "Confirm the rescheduled interview first"),
        (CONSOLIDATING, LATER, "Confirm the rescheduled interview first"),
        (replace(CONFIRMED, phase=CLOSED, outcome=MOVED_ON), LATER, "closed"),
    ],
)
def test_attended_is_refused(facts, now, message):
    with pytest.raises(TransitionRefused, match=message):
        phases.on_attended(facts, now=now)


# on_cancel ----------------------------------------------------------------------------------


@pytest.mark.parametrize("facts", [REQUESTED, CONFIRMED])
def test_cancel_is_allowed_in_correct(facts):
    assert phases.on_cancel(facts) == Transition(CORRECT)


@pytest.mark.parametrize(
    ("facts", "message"), [(CONSOLIDATING, "already took place"), (CLOSED_DECLINED, "closed")]
)
def test_cancel_is_refused_after_the_interview_or_when_closed(facts, message):
    with pytest.raises(TransitionRefused, match=message):
        phases.on_cancel(facts)


# close --------------------------------------------------------------------------------------


CLOSE_CASES = [
    # facts, outcome, the blockers (empty: allowed)
    (CONTAINED, MOVED_ON, []),
    (CORRECTING, MOVED_ON, []),
    (CONSOLIDATING, MOVED_ON, []),
    (CONTAINED, DECLINED, ["Nobody has replied yet."]),
    (CORRECTING, DECLINED, []),
    (CONSOLIDATING, DECLINED, []),
    (CONTAINED, NO_RESPONSE, ["Ask for a new time first."]),
    (CORRECTING, NO_RESPONSE, ["Ask for a new time first."]),
    (REQUESTED, NO_RESPONSE, ["Send one follow-up before giving up on a reply."]),
    (FOLLOWED_UP, NO_RESPONSE, []),
    (CONSOLIDATING, NO_RESPONSE, ["Ask for a new time first."]),
    (CONTAINED, RECOVERED, ["Attend the rescheduled interview first."]),
    (CONFIRMED, RECOVERED, ["Attend the rescheduled interview first."]),
    (
        CONSOLIDATING,
        RECOVERED,
        ["Send the thank-you note.", "Write down the lessons."],
    ),
    (
        replace(READY_TO_CLOSE, materials_open=2),
        RECOVERED,
        ["Deliver or drop the 2 promised item(s) still open."],
    ),
    (READY_TO_CLOSE, RECOVERED, []),
    (CLOSED_DECLINED, MOVED_ON, ["The incident is already closed."]),
    (CORRECTING, "won", ["Unknown outcome “won”."]),
]


@pytest.mark.parametrize(("facts", "outcome", "blockers"), CLOSE_CASES)
def test_close_blockers_for_each_outcome(facts, outcome, blockers):
    assert phases.close_blockers(facts, outcome) == blockers


@pytest.mark.parametrize(("facts", "outcome", "blockers"), CLOSE_CASES)
def test_close_closes_with_the_outcome_or_refuses_with_the_blockers(facts, outcome, blockers):
    if blockers:
        with pytest.raises(TransitionRefused) as exc:
            phases.on_close(facts, outcome=outcome)
        assert str(exc.value) == " ".join(blockers)
    else:
        assert phases.on_close(facts, outcome=outcome) == Transition(CLOSED, outcome)


# reopen -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "phase"),
    [
        (CLOSED_IN_CONTAIN, CONTAIN),
        (CLOSED_DECLINED, CORRECT),
        (replace(READY_TO_CLOSE, phase=CLOSED, outcome=RECOVERED), CONSOLIDATE),
    ],
)
def test_reopen_returns_to_the_phase_the_facts_give(facts, phase):
    assert phases.on_reopen(facts) == Transition(phase)


@pytest.mark.parametrize("facts", [CONTAINED, CORRECTING, CONSOLIDATING])
def test_reopen_is_refused_when_open(facts):
    with pytest.raises(TransitionRefused, match="not closed"):
        phases.on_reopen(facts)


# next actions -------------------------------------------------------------------------------


def _codes(facts):
    return [a.code for a in phases.next_actions(facts)]


@pytest.mark.parametrize(
    ("facts", "codes"),
    [
        (CONTAINED, ["apology", "outreach"]),
        (CORRECTING, ["request"]),
        (REQUESTED, ["reply", "follow_up"]),
        (FOLLOWED_UP, ["reply", "close_no_response"]),
        (ACCEPTED, ["confirm"]),
        (CONFIRMED, ["confirm_in_writing", "safeguards", "attended"]),
        (replace(CONFIRMED, confirmation_sent=True), ["safeguards", "attended"]),
        (replace(CLOSED_DECLINED, phase=CORRECT, outcome=""), ["request"]),
        (replace(FOLLOWED_UP, reply="no_response"), ["request"]),
        (CONSOLIDATING, ["thank_you", "lessons"]),
        (replace(CONSOLIDATING, materials_open=1), ["thank_you", "materials", "lessons"]),
        (READY_TO_CLOSE, ["close"]),
        (CLOSED_DECLINED, ["reopen"]),
    ],
)
def test_next_actions_name_the_next_step(facts, codes):
    assert _codes(facts) == codes


# first-hour clock ---------------------------------------------------------------------------


def test_first_hour_clock_runs_until_the_first_outreach():
    clock = phases.first_hour_clock(
        discovered_at=NOW, first_outreach_at=None, now=NOW + timedelta(minutes=25, seconds=30)
    )
    assert (clock.minutes, clock.running, clock.within_hour, clock.minutes_left) == (
        25, True, True, 34
    )


def test_first_hour_clock_stops_at_the_first_outreach():
    clock = phases.first_hour_clock(
        discovered_at=NOW,
        first_outreach_at=NOW + timedelta(minutes=42),
        now=NOW + timedelta(hours=5),
    )
    assert (clock.minutes, clock.running, clock.within_hour, clock.minutes_left) == (
        42, False, True, 0
    )


def test_first_hour_clock_says_when_the_hour_was_missed():
    late = phases.first_hour_clock(
        discovered_at=NOW, first_outreach_at=NOW + timedelta(minutes=61), now=NOW
    )
    running = phases.first_hour_clock(
        discovered_at=NOW, first_outreach_at=None, now=NOW + timedelta(minutes=90)
    )
    assert not late.within_hour
    assert (running.within_hour, running.minutes_left, running.minutes) == (False, 0, 90)


def test_first_hour_clock_counts_an_outreach_logged_just_before_discovery_as_zero():
    clock = phases.first_hour_clock(
        discovered_at=NOW, first_outreach_at=NOW - timedelta(minutes=2), now=NOW
    )
    assert (clock.minutes, clock.within_hour) == (0, True)


# safeguards ---------------------------------------------------------------------------------


def test_safeguards_put_the_causes_own_first_without_repeats():
    kinds = phases.safeguards_for(cause="calendar", format="phone")
    assert kinds[:3] == ["both_zones", "duplicate_alarms", "confirm_day_before"]
    assert len(kinds) == len(set(kinds))
    assert {"confirmation_sent", "prep_block"} <= set(kinds)


@pytest.mark.parametrize(("fmt", "extra"), [("video", "tech_check"), ("onsite", "travel_buffer")])
def test_safeguards_add_the_formats_check(fmt, extra):
    assert extra in phases.safeguards_for(cause="personal", format=fmt)
    assert extra not in phases.safeguards_for(cause="personal", format="phone")


# --- Which draft fits the phase ----------------------------------------------------------


@pytest.mark.parametrize(
    ("pf", "kind"),
    [
        (phases.Facts(phase="contain"), c.APOLOGY_EMAIL),
        (phases.Facts(phase="correct", apology_recorded=True), c.RESCHEDULE_REQUEST),
        (phases.Facts(phase="correct", reschedule_requested=True, reply="pending"), c.FOLLOW_UP),
        (phases.Facts(phase="correct", reschedule_requested=True, reply="pending",
                      followed_up=True), c.KEEP_IN_TOUCH),
        (phases.Facts(phase="correct", reschedule_requested=True, reply="accepted"),
         c.CONFIRMATION),
        (phases.Facts(phase="correct", reschedule_requested=True, reply="accepted",
                      confirmed=True), c.CONFIRMATION),
        (phases.Facts(phase="correct", reply="declined", reschedule_requested=True),
         c.RESCHEDULE_REQUEST),
        (phases.Facts(phase="consolidate", attended=True, thank_you_sent=True), None),
        (phases.Facts(phase="closed", outcome="moved_on"), c.KEEP_IN_TOUCH),
        (phases.Facts(phase="consolidate", attended=True), c.THANK_YOU),
        (phases.Facts(phase="consolidate", attended=True, thank_you_sent=True,
                      materials_open=1), c.MATERIALS_COVER),
        (phases.Facts(phase="closed", outcome="declined"), c.DECLINE_REPLY),
        (phases.Facts(phase="closed", outcome="no_response"), c.KEEP_IN_TOUCH),
        (phases.Facts(phase="closed", outcome="recovered"), None),
    ],
)
def test_suggested_draft_follows_the_phase(pf, kind):
    got = phases.suggested_draft(pf)
    assert got == kind
    # And it is the draft of the first next action that has one, where there is one.
    drafted = [a.draft for a in phases.next_actions(pf)]
    drafted = [k for k in drafted if k]
    if drafted and pf.phase != "closed":
        assert drafted[0] == kind

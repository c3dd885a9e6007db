"""Issue 15, planning (pure): the "not ready yet" escalation exists only for a confirmed
interview whose 1 h reminder was sent and which the person has not said they are ready for; the
click makes it stale; it never fires after the start; it follows a move."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tracker.reminders import planning
from tracker.reminders.planning import (
    ESCALATION,
    PARTNER_ESCALATION,
    Facts,
    Interview,
    Key,
)

START = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
SENT_1H = START - timedelta(hours=1)


def facts(**kw):
    base = {
        "incident_id": 1,
        "is_open": True,
        "person_tz": "America/Chicago",
        "discovered_at": START - timedelta(days=3),
        "first_outreach_at": START - timedelta(days=3),
        "interview": Interview(
            reschedule_id=7, version=1, start=START, end=START + timedelta(minutes=45)
        ),
        "thank_you_sent": True,
    }
    base.update(kw)
    return Facts(**base)


def kinds(f, now=START - timedelta(hours=2)):
    return {p.kind: p for p in planning.plan(f, now)}


def test_no_escalation_before_the_1h_reminder_was_sent():
    assert ESCALATION not in kinds(facts())
    assert PARTNER_ESCALATION not in kinds(facts(partner=True))


def test_escalation_after_the_1h_reminder_is_due_30_minutes_before_and_expires_at_start():
    p = kinds(facts(before_1h_sent_at=SENT_1H), SENT_1H)[ESCALATION]
    assert p.key == Key(ESCALATION, 7, 1)
    assert p.due_at == START - timedelta(minutes=30)
    assert p.expires_at == START
    assert p.skip_reason == ""


def test_partner_note_only_when_the_partner_opted_in():
    assert PARTNER_ESCALATION not in kinds(facts(before_1h_sent_at=SENT_1H), SENT_1H)
    p = kinds(facts(before_1h_sent_at=SENT_1H, partner=True), SENT_1H)[PARTNER_ESCALATION]
    assert (p.due_at, p.expires_at) == (START - timedelta(minutes=30), START)


def test_no_escalation_once_ready_and_a_planned_one_is_stale():
    f = facts(before_1h_sent_at=SENT_1H, partner=True)
    ready = replace(f, interview=replace(f.interview, ready=True))
    assert not {ESCALATION, PARTNER_ESCALATION} & set(kinds(ready, SENT_1H))
    for kind in (ESCALATION, PARTNER_ESCALATION):
        assert planning.stale_reason(Key(kind, 7, 1), f) == ""
        assert planning.stale_reason(Key(kind, 7, 1), ready) == planning.READY_REASON


def test_escalation_follows_a_move():
    f = facts(before_1h_sent_at=SENT_1H)
    moved = replace(
        f,
        interview=replace(
            f.interview,
            version=2,
            start=START + timedelta(days=1),
            end=START + timedelta(days=1, minutes=45),
        ),
        before_1h_sent_at=None,
    )
    # The old version's escalation is stale, and none is planned for the new time until its
    # own 1 h reminder went out.
    assert "moved" in planning.stale_reason(Key(ESCALATION, 7, 1), moved)
    assert ESCALATION not in kinds(moved, SENT_1H)
    new_1h = START + timedelta(days=1, hours=-1)
    again = replace(moved, before_1h_sent_at=new_1h)
    p = kinds(again, new_1h)[ESCALATION]
    assert p.key == Key(ESCALATION, 7, 2)
    assert p.due_at == START + timedelta(days=1, minutes=-30)


def test_a_late_1h_reminder_gets_time_to_be_read_and_none_when_too_little_is_left():
    late = START - timedelta(minutes=40)
    p = kinds(facts(before_1h_sent_at=late), late)[ESCALATION]
    assert p.due_at == late + planning.ESCALATION_GRACE
    too_late = START - timedelta(minutes=12)
    assert ESCALATION not in kinds(facts(before_1h_sent_at=too_late), too_late)


def test_closed_incident_or_called_off_interview_has_no_escalation():
    f = facts(before_1h_sent_at=SENT_1H)
    assert ESCALATION not in kinds(replace(f, is_open=False), SENT_1H)
    assert ESCALATION not in kinds(replace(f, interview=None), SENT_1H)
    assert planning.stale_reason(Key(ESCALATION, 7, 1), replace(f, is_open=False))


def test_turned_off_escalation_is_skipped_with_the_reason():
    f = facts(before_1h_sent_at=SENT_1H, reminders_off=frozenset({ESCALATION}))
    assert "turned off" in kinds(f, SENT_1H)[ESCALATION].skip_reason


@given(
    sent_before=st.integers(min_value=0, max_value=180),
    now_offset=st.integers(min_value=-180, max_value=60),
    partner=st.booleans(),
)
def test_escalation_never_fires_after_the_start(sent_before, now_offset, partner):
    sent = START - timedelta(minutes=sent_before)
    now = START + timedelta(minutes=now_offset)
    for p in planning.plan(facts(before_1h_sent_at=sent, partner=partner), now):
        if p.kind in planning.ESCALATION_KINDS:
            assert p.expires_at == START
            assert p.due_at < START
            assert p.due_at >= sent + planning.ESCALATION_GRACE or p.due_at == now
            if now >= START:
                assert p.skip_reason  # stored as skipped, never sent

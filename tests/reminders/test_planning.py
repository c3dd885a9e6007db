"""tracker/reminders/planning.py: pure, no database."""

import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracker.reminders import planning
from tracker.reminders.planning import (
    BEFORE_1H,
    BEFORE_24H,
    FIRST_HOUR,
    FOLLOW_UP,
    THANK_YOU,
    THANK_YOU_LAST_CALL,
    Facts,
    Interview,
    Key,
    Request,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


def facts(**kw):
    base = {
        "incident_id": 1,
        "is_open": True,
        "person_tz": "America/Chicago",
        "discovered_at": NOW,
    }
    base.update(kw)
    return Facts(**base)


def by_kind(planned):
    return {p.kind: p for p in planned}


def interview(start, minutes=45, rid=7, version=1):
    return Interview(reschedule_id=rid, version=version, start=start,
                     end=start + timedelta(minutes=minutes))


def local(p, zone):
    return p.due_at.astimezone(ZoneInfo(zone))


def seconds_between(a, b):
    # Not a - b: on two datetimes sharing a ZoneInfo that is wall-clock arithmetic. Nor
    # timestamp() differences: floats, 86399.99999988 for instants with microseconds.
    return (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds()


# Each kind's due and expiry


def test_first_hour_nudge_is_due_45_minutes_after_discovery_and_expires_at_two_hours():
    p = by_kind(planning.plan(facts(), NOW))[FIRST_HOUR]
    assert p.due_at == NOW + timedelta(minutes=45)
    assert p.expires_at == NOW + timedelta(hours=2)
    assert p.key == Key(FIRST_HOUR, None, 0)
    assert p.skip_reason == ""


def test_first_hour_nudge_is_not_planned_once_outreach_is_recorded():
    planned = planning.plan(facts(first_outreach_at=NOW + timedelta(minutes=5)), NOW)
    assert FIRST_HOUR not in by_kind(planned)


def test_follow_up_nudge_is_at_nine_on_the_third_business_day_after_the_request():
    # Requested Friday 6 Mar 2026 at 16:00 Chicago: Mon, Tue, Wed -> Wednesday 11 Mar 09:00.
    requested = datetime(2026, 3, 6, 16, 0, tzinfo=ZoneInfo("America/Chicago"))
    f = facts(first_outreach_at=NOW, request=Request(3, requested.astimezone(UTC)))
    p = by_kind(planning.plan(f, NOW))[FOLLOW_UP]
    loc = local(p, "America/Chicago")
    assert (loc.year, loc.month, loc.day, loc.hour, loc.minute) == (2026, 3, 11, 9, 0)
    assert p.expires_at - p.due_at == timedelta(hours=24)
    assert p.key == Key(FOLLOW_UP, 3, 0)


def test_follow_up_counts_business_days_in_the_persons_zone_not_utc():
    # Monday 2 Mar 23:30 in Chicago is already Tuesday in UTC: the local date counts.
    requested = datetime(2026, 3, 2, 23, 30, tzinfo=ZoneInfo("America/Chicago"))
    f = facts(first_outreach_at=NOW, request=Request(3, requested.astimezone(UTC)))
    loc = local(by_kind(planning.plan(f, NOW))[FOLLOW_UP], "America/Chicago")
    assert (loc.month, loc.day, loc.hour) == (3, 5, 9)  # Thursday


def test_follow_up_is_not_planned_after_a_reply_or_a_follow_up():
    r = datetime(2026, 3, 2, 10, tzinfo=UTC)
    for req in (Request(3, r, replied=True), Request(3, r, followed_up=True)):
        assert FOLLOW_UP not in by_kind(planning.plan(facts(request=req), NOW))


def test_interview_reminders_24h_and_1h_before_with_their_expiries():
    start = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    kinds = by_kind(planning.plan(facts(interview=interview(start)), NOW))
    assert kinds[BEFORE_24H].due_at == start - timedelta(hours=24)
    assert kinds[BEFORE_24H].expires_at == start - timedelta(hours=2)
    assert kinds[BEFORE_1H].due_at == start - timedelta(hours=1)
    assert kinds[BEFORE_1H].expires_at == start
    assert kinds[BEFORE_24H].key == Key(BEFORE_24H, 7, 1)


def test_thank_you_nudge_an_hour_after_the_end_and_last_call_next_morning_at_nine():
    start = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 10:00 in Chicago (CDT from 8 Mar)
    kinds = by_kind(planning.plan(facts(interview=interview(start, minutes=60)), NOW))
    assert kinds[THANK_YOU].due_at == start + timedelta(hours=2)
    assert kinds[THANK_YOU].expires_at == kinds[THANK_YOU].due_at + timedelta(hours=48)
    last = local(kinds[THANK_YOU_LAST_CALL], "America/Chicago")
    assert (last.day, last.hour, last.minute) == (11, 9, 0)
    assert kinds[THANK_YOU_LAST_CALL].expires_at - kinds[THANK_YOU_LAST_CALL].due_at == (
        timedelta(hours=24)
    )


def test_no_thank_you_reminders_once_the_note_is_sent():
    start = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    kinds = by_kind(planning.plan(facts(interview=interview(start), thank_you_sent=True), NOW))
    assert THANK_YOU not in kinds and THANK_YOU_LAST_CALL not in kinds
    assert BEFORE_1H in kinds


def test_closed_incident_plans_nothing():
    start = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert planning.plan(facts(is_open=False, interview=interview(start)), NOW) == []


def test_interview_confirmed_five_hours_ahead_has_its_24h_reminder_caught_up_now():
    start = NOW + timedelta(hours=5)
    kinds = by_kind(planning.plan(facts(first_outreach_at=NOW, interview=interview(start)), NOW))
    assert kinds[BEFORE_24H].skip_reason == "" and kinds[BEFORE_24H].due_at == NOW
    assert "sent at once" in kinds[BEFORE_24H].note
    assert kinds[BEFORE_1H].skip_reason == "" and kinds[BEFORE_1H].note == ""


def test_a_reminder_planned_past_its_expiry_is_skipped_with_the_reason():
    start = NOW + timedelta(minutes=50)
    kinds = by_kind(planning.plan(facts(first_outreach_at=NOW, interview=interview(start)), NOW))
    assert "already due" in kinds[BEFORE_24H].skip_reason  # expired 2 hours before the start
    assert kinds[BEFORE_1H].due_at == NOW and kinds[BEFORE_1H].skip_reason == ""


def test_quiet_hours_hold_the_nudges_until_eight_and_never_move_the_24h_and_1h():
    # Ends 23:45 in Chicago: the thank-you nudge would be 00:45.
    start = datetime(2026, 3, 10, 23, 0, tzinfo=ZoneInfo("America/Chicago"))
    kinds = by_kind(planning.plan(facts(first_outreach_at=NOW, interview=interview(start)), NOW))
    held = local(kinds[THANK_YOU], "America/Chicago")
    assert (held.day, held.hour, held.minute) == (11, 8, 0)
    assert "quiet hours" in kinds[THANK_YOU].note
    assert seconds_between(kinds[BEFORE_1H].due_at, start) == 3600
    assert seconds_between(kinds[BEFORE_24H].due_at, start) == 86_400
    off = by_kind(planning.plan(facts(first_outreach_at=NOW, interview=interview(start),
                                      quiet_hours=False), NOW))
    assert local(off[THANK_YOU], "America/Chicago").hour == 0


def test_after_quiet_hours_across_a_dst_change():
    zone = "Europe/Berlin"
    # 23:30 CEST on Sat 24 Oct 2026; the clocks go back that night: 08:00 CET is 07:00 UTC.
    late = datetime(2026, 10, 24, 23, 30, tzinfo=ZoneInfo(zone))
    assert planning.after_quiet_hours(late, zone) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    day = datetime(2026, 10, 24, 12, 0, tzinfo=ZoneInfo(zone))
    assert planning.after_quiet_hours(day, zone) == day.astimezone(UTC)


def interview_with(start, **fields):
    return Interview(reschedule_id=7, version=1, start=start,
                     end=start + timedelta(minutes=45), **fields)


def test_the_last_change_is_a_notice_due_at_once_keyed_by_its_sequence():
    start = NOW + timedelta(days=3)
    f = facts(first_outreach_at=NOW, interview=interview_with(
        start, sequence=4, change=planning.MOVED, changed_at=NOW))
    p = by_kind(planning.plan(f, NOW))[planning.INTERVIEW_MOVED]
    assert p.key == Key(planning.INTERVIEW_MOVED, 7, 4)
    assert (p.due_at, p.expires_at, p.note) == (NOW, start + timedelta(minutes=45), "")
    assert planning.stale_reason(p.key, f) == ""
    newer = facts(first_outreach_at=NOW, interview=interview_with(
        start, sequence=5, change=planning.CHANGED, changed_at=NOW))
    assert "newer change" in planning.stale_reason(p.key, newer)


def test_a_call_off_is_a_notice_even_once_closed_until_a_new_time_is_agreed():
    start = NOW + timedelta(days=3)
    off = planning.CalledOff(reschedule_id=7, sequence=3, start=start,
                             end=start + timedelta(minutes=45), at=NOW)
    f = facts(first_outreach_at=NOW, called_off=off, is_open=False)
    (p,) = planning.plan(f, NOW)
    assert p.key == Key(planning.INTERVIEW_CALLED_OFF, 7, 3) and p.due_at == NOW
    assert planning.stale_reason(p.key, f) == ""
    again = facts(first_outreach_at=NOW, called_off=off, interview=interview_with(
        start, sequence=4, change=planning.CONFIRMED, changed_at=NOW))
    assert planning.INTERVIEW_CALLED_OFF not in by_kind(planning.plan(again, NOW))
    assert "new time" in planning.stale_reason(p.key, again)


def test_the_partner_copy_is_planned_only_when_the_partner_opted_in():
    start = NOW + timedelta(days=3)
    f = facts(first_outreach_at=NOW, interview=interview(start))
    assert planning.PARTNER_BEFORE_24H not in by_kind(planning.plan(f, NOW))
    p = by_kind(planning.plan(facts(first_outreach_at=NOW, interview=interview(start),
                                    partner=True), NOW))[planning.PARTNER_BEFORE_24H]
    assert p.due_at == start - timedelta(hours=24)


def test_kind_turned_off_is_planned_as_skipped_with_that_reason():
    start = NOW + timedelta(days=3)
    f = facts(interview=interview(start), reminders_off=frozenset({BEFORE_1H}))
    kinds = by_kind(planning.plan(f, NOW))
    assert "turned off" in kinds[BEFORE_1H].skip_reason
    assert kinds[BEFORE_24H].skip_reason == ""


def test_stale_reason_names_the_move_the_call_off_and_the_close():
    start = NOW + timedelta(days=3)
    key = Key(BEFORE_1H, 7, 1)
    assert planning.stale_reason(key, facts(interview=interview(start))) == ""
    moved = facts(interview=interview(start + timedelta(hours=1), version=2))
    assert "moved" in planning.stale_reason(key, moved)
    assert "called off" in planning.stale_reason(key, facts())
    assert "closed" in planning.stale_reason(key, facts(is_open=False, interview=interview(start)))
    assert "outreach" in planning.stale_reason(
        Key(FIRST_HOUR, None, 0), facts(first_outreach_at=NOW)
    )


# DST days


def _both(zone, y, m, d, hh, mm):
    start = datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(zone))
    kinds = by_kind(planning.plan(facts(person_tz=zone, interview=interview(start)), NOW))
    return start, kinds


def test_24h_before_across_spring_forward_in_new_york_is_absolute_not_wall_clock():
    # Interview Sun 8 Mar 2026 10:00 EDT, hours after DST began: 24 h earlier is 09:00 EST.
    start, kinds = _both("America/New_York", 2026, 3, 8, 10, 0)
    assert seconds_between(kinds[BEFORE_24H].due_at, start) == 86_400
    assert local(kinds[BEFORE_24H], "America/New_York").hour == 9


def test_24h_before_across_fall_back_in_berlin():
    # Interview Sun 25 Oct 2026 10:00 CET, hours after DST ended: 24 h earlier is 11:00 CEST.
    start, kinds = _both("Europe/Berlin", 2026, 10, 25, 10, 0)
    assert seconds_between(kinds[BEFORE_24H].due_at, start) == 86_400
    assert local(kinds[BEFORE_24H], "Europe/Berlin").hour == 11


def test_lord_howe_half_hour_shift_keeps_24h_absolute_and_last_call_at_nine():
    # Lord Howe moves 30 minutes (UTC+11 -> +10:30) on Sun 5 Apr 2026 at 02:00.
    start, kinds = _both("Australia/Lord_Howe", 2026, 4, 5, 14, 0)
    due = local(kinds[BEFORE_24H], "Australia/Lord_Howe")
    assert seconds_between(kinds[BEFORE_24H].due_at, start) == 86_400
    assert (due.day, due.hour, due.minute) == (4, 14, 30)
    last = local(kinds[THANK_YOU_LAST_CALL], "Australia/Lord_Howe")
    assert (last.day, last.hour, last.minute) == (6, 9, 0)


def test_kathmandu_quarter_hour_offset_keeps_nine_oclock_local():
    start, kinds = _both("Asia/Kathmandu", 2026, 3, 10, 11, 15)
    assert kinds[THANK_YOU_LAST_CALL].due_at == datetime(2026, 3, 11, 3, 15, tzinfo=UTC)
    assert local(kinds[BEFORE_1H], "Asia/Kathmandu").strftime("%H:%M") == "10:15"


def test_follow_up_falls_at_nine_local_on_a_dst_change_day():
    # Requested Thu 5 Mar in New York; the 3rd business day is Tue 10 Mar, after the change.
    requested = datetime(2026, 3, 5, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    f = facts(person_tz="America/New_York", request=Request(1, requested))
    p = by_kind(planning.plan(f, NOW))[FOLLOW_UP]
    assert p.due_at == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # 09:00 EDT


# Properties over random zones and instants

ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)


def _nine_exists(day, zone):
    naive = datetime.combine(day, planning.MORNING)
    aware = naive.replace(tzinfo=ZoneInfo(zone))
    return aware.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) == naive


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), start=instants, minutes=st.integers(1, 600))
# Microseconds in the start: a float difference of timestamps once read 86399.99999988.
@example(zone="Africa/Abidjan", start=datetime(2004, 1, 11, 0, 0, 0, 2, tzinfo=UTC), minutes=1)
def test_property_24h_before_is_exactly_86400_seconds_and_9am_kinds_fall_at_nine(
    zone, start, minutes
):
    f = facts(person_tz=zone, interview=interview(start, minutes=minutes),
              request=None, discovered_at=start - timedelta(days=2))
    kinds = by_kind(planning.plan(f, start - timedelta(days=3)))
    assert seconds_between(kinds[BEFORE_24H].due_at, start) == 86_400
    assert seconds_between(kinds[BEFORE_1H].due_at, start) == 3_600
    last = kinds[THANK_YOU_LAST_CALL]
    loc = local(last, zone)
    day = (start + timedelta(minutes=minutes)).astimezone(ZoneInfo(zone)).date()
    assert loc.date() == day + timedelta(days=1) or not _nine_exists(day + timedelta(days=1), zone)
    if _nine_exists(loc.date(), zone):
        assert (loc.hour, loc.minute) == (9, 0)
    assert last.due_at > kinds[THANK_YOU].due_at - timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), requested=instants)
def test_property_follow_up_falls_at_nine_local_on_a_weekday(zone, requested):
    f = facts(person_tz=zone, request=Request(1, requested))
    p = by_kind(planning.plan(f, requested))[FOLLOW_UP]
    loc = local(p, zone)
    if _nine_exists(loc.date(), zone):
        assert (loc.hour, loc.minute) == (9, 0)
        assert loc.weekday() < 5
    assert p.due_at > requested

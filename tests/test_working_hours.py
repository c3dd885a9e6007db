"""Issue 15: the recipient's working hours (tracker/working_hours.py, pure) and the follow-up
planned inside them: the named time is always inside 09:00-17:00 in their zone on a working day
of their country (weekends and public holidays skipped, from the `holidays` library), never in a
gap of the wall clock, and never before the instant asked for; the nudge reaches the person
shortly before it, outside their quiet hours when a slot allows it."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import working_hours as wh
from tracker.reminders import planning
from tracker.reminders.planning import Request

ZONES = [
    "Asia/Kathmandu",  # +05:45
    "Asia/Kolkata",  # +05:30
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/St_Johns",  # -03:30 / -02:30
    "Australia/Lord_Howe",  # 30-minute DST
    "Australia/Sydney",
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/Santiago",  # DST at midnight
    "Asia/Tokyo",
    "UTC",
]
# DST days and public holidays among the instants drawn.
SPECIAL = [
    datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # US spring forward
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # EU spring forward
    datetime(2026, 10, 4, 0, 0, tzinfo=UTC),  # Lord Howe / Sydney spring forward
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # EU fall back
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # US fall back
    datetime(2026, 12, 24, 16, 0, tzinfo=UTC),  # Christmas
    datetime(2026, 12, 31, 20, 0, tzinfo=UTC),  # New Year
    datetime(2026, 7, 3, 18, 0, tzinfo=UTC),  # US Independence Day (observed Fri 3 Jul)
    datetime(2026, 1, 25, 12, 0, tzinfo=UTC),  # India Republic Day (a Monday), Nepal
]
instants = st.one_of(
    st.sampled_from(SPECIAL),
    st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2028, 12, 31),
        timezones=st.just(UTC),
    ),
)


def _inside(instant, zone, country):
    local = instant.astimezone(ZoneInfo(zone))
    hols = holidays.country_holidays(country, years=local.year) if country else {}
    return (
        local.weekday() < 5
        and local.date() not in hols
        and time(9, 0) <= local.time() < time(17, 0)
        and local.minute % 15 == 0
        and local.second == 0
    )


@settings(max_examples=300, deadline=None)
@given(after=instants, zone=st.sampled_from(ZONES))
def test_the_named_time_is_inside_their_hours_and_not_before_the_instant(after, zone):
    country = wh.country_of_zone(zone)
    at = wh.next_working_time(after, zone)
    assert at >= after
    assert _inside(at, zone, country), (at.astimezone(ZoneInfo(zone)), country)
    # It is the first such quarter hour: none between `after` and it.
    probe = at - timedelta(minutes=15)
    while probe >= after and probe > at - timedelta(days=5):
        assert not _inside(probe, zone, country)
        probe -= timedelta(minutes=15)


@settings(max_examples=100, deadline=None)
@given(
    after=instants,
    zone=st.sampled_from(ZONES),
    country=st.sampled_from(["", "DE", "US", "IN", "NP", "GB", "JP", "AU", "FR", "BR"]),
)
def test_any_holiday_calendar_is_respected(after, zone, country):
    at = wh.next_working_time(after, zone, country)
    assert at >= after and _inside(at, zone, country)


def test_zones_name_their_country():
    assert wh.country_of_zone("Europe/Berlin") == "DE"
    assert wh.country_of_zone("Asia/Kathmandu") == "NP"
    assert wh.country_of_zone("UTC") == ""


def test_christmas_in_berlin_is_skipped_and_shown_in_both_zones():
    at = wh.next_working_time(datetime(2026, 12, 24, 17, 0, tzinfo=UTC), "Europe/Berlin")
    assert at == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)  # Mon 28 Dec, 09:00 CET
    for yours, shown in (
        ("Asia/Kolkata", "Monday 28 Dec 09:00 CET (13:30 IST for you)"),
        ("Asia/Kathmandu", "Monday 28 Dec 09:00 CET (13:45 UTC+05:45 for you)"),
        ("America/Chicago", "Monday 28 Dec 09:00 CET (02:00 CST for you)"),
        ("Pacific/Honolulu", "Monday 28 Dec 09:00 CET (Sunday 27 Dec 22:00 HST for you)"),
    ):
        assert wh.format_send_time(at, "Europe/Berlin", yours) == shown, yours


def test_quarter_hours_round_up():
    # Tue 10 Mar 2026 10:07 Berlin -> 10:15.
    at = wh.next_working_time(datetime(2026, 3, 10, 9, 7, tzinfo=UTC), "Europe/Berlin")
    assert at == datetime(2026, 3, 10, 9, 15, tzinfo=UTC)


# The follow-up nudge -------------------------------------------------------------------------


def _request(requested_at, recipient_tz):
    return Request(reschedule_id=3, requested_at=requested_at, recipient_tz=recipient_tz)


@settings(max_examples=200, deadline=None)
@given(
    requested=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    person=st.sampled_from(ZONES),
    recipient=st.sampled_from(ZONES),
    quiet=st.booleans(),
)
def test_follow_up_nudge_comes_shortly_before_a_send_time_inside_their_hours(
    requested, person, recipient, quiet
):
    req = _request(requested, recipient)
    send_at = planning.follow_up_send_at(req, person, quiet_hours=quiet)
    nudge = planning.follow_up_nudge_at(req, person, quiet_hours=quiet)
    assert _inside(send_at, recipient, wh.country_of_zone(recipient))
    assert send_at >= planning.follow_up_earliest(req, person) > requested
    assert nudge < send_at
    if quiet:
        # Never in the person's night; "shortly before" whenever their days overlap.
        assert planning.after_quiet_hours(nudge, person) == nudge
    if not quiet or send_at - nudge != planning.FOLLOW_UP_LEAD:
        assert send_at - nudge >= planning.FOLLOW_UP_LEAD
    else:
        assert send_at - nudge == planning.FOLLOW_UP_LEAD


def test_follow_up_in_the_planned_reminders_is_30_minutes_before_the_send_time():
    # Requested Fri 6 Mar 2026, person in Kolkata, the recruiter in Berlin: 3 business days in
    # Kolkata -> Wed 11 Mar 09:00 IST = 04:30 CET; Berlin opens 09:00 CET (13:30 IST).
    requested = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    facts = planning.Facts(
        incident_id=1,
        is_open=True,
        person_tz="Asia/Kolkata",
        discovered_at=requested,
        first_outreach_at=requested,
        request=_request(requested, "Europe/Berlin"),
    )
    (p,) = [p for p in planning.plan(facts, requested) if p.kind == planning.FOLLOW_UP]
    assert p.due_at == datetime(2026, 3, 11, 7, 30, tzinfo=UTC)  # 08:30 CET, 13:00 IST
    assert planning.follow_up_send_at(facts.request, "Asia/Kolkata") == datetime(
        2026, 3, 11, 8, 0, tzinfo=UTC
    )


def test_no_overlap_sends_the_nudge_the_evening_before():
    # Chicago person, Kolkata recruiter: Kolkata's 09:00-17:00 is 21:30-05:30 in Chicago (CST).
    requested = datetime(2026, 2, 2, 16, 0, tzinfo=UTC)  # Mon
    req = _request(requested, "Asia/Kolkata")
    send_at = planning.follow_up_send_at(req, "America/Chicago")
    nudge = planning.follow_up_nudge_at(req, "America/Chicago")
    local = nudge.astimezone(ZoneInfo("America/Chicago"))
    assert (local.hour, local.minute) == (20, 30)
    assert nudge < send_at and send_at - nudge < timedelta(hours=10)
    assert send_at.astimezone(ZoneInfo("Asia/Kolkata")).date() >= date(2026, 2, 5)

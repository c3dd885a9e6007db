"""Issue 15: the recipient's working hours. Pure time: no ORM, no clock (`now` or `after` is
passed in).

A recruiter reads a follow-up best inside their working day: 09:00 to 17:00 wall-clock in their
zone, Monday to Friday, not on a public holiday of their country when it is known (the
`holidays` library; the country comes from the IANA zone through tzdata's zone.tab: a zone
names one country there). `next_working_time` gives the first quarter hour inside those hours
at or after an instant; a wall time that does not exist in the zone (a spring-forward gap) is
never named."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

WORK_START = time(9, 0)
WORK_END = time(17, 0)
STEP_MINUTES = 15
# How far ahead to look for a working day (a run of holidays and weekends is never this long).
MAX_DAYS = 60


@functools.cache
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO 3166 country code, from zone.tab (tzdata's copy, else the system's)."""
    text = ""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        system = Path("/usr/share/zoneinfo/zone.tab")
        text = system.read_text("utf-8") if system.exists() else ""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            out[parts[2]] = parts[0]
    return out


def country_of_zone(zone: str) -> str:
    """The country a zone belongs to ("DE" for Europe/Berlin), "" when not one country (UTC,
    Etc/GMT+5) or unknown."""
    return _zone_countries().get(zone, "")


@functools.cache
def _holidays(country: str, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except (NotImplementedError, KeyError):  # a country the library does not know
        return frozenset()


def is_working_day(day: date, country: str = "") -> bool:
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def _wall(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """`at` on `day` in `tz` as a UTC instant, or None when that wall time does not exist."""
    local = datetime.combine(day, at, tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local.astimezone(UTC)


def _ceil_step(local: datetime) -> datetime:
    """Up to the next quarter hour of the wall clock (unchanged if already on one)."""
    exact = local.replace(second=0, microsecond=0)
    if exact != local:
        exact += timedelta(minutes=1)
    rest = exact.minute % STEP_MINUTES
    return exact + timedelta(minutes=(STEP_MINUTES - rest) % STEP_MINUTES)


def is_working_time(instant: datetime, zone: str, country: str | None = None) -> bool:
    tz = ZoneInfo(zone)
    local = instant.astimezone(tz)
    country = country_of_zone(zone) if country is None else country
    return is_working_day(local.date(), country) and WORK_START <= local.time() < WORK_END


def next_working_time(after: datetime, zone: str, country: str | None = None) -> datetime:
    """The first quarter hour at or after `after` inside the working hours of `zone` (and the
    country's public holidays; by default the zone's country), as a UTC instant."""
    if after.tzinfo is None:
        raise ValueError("working hours need an aware datetime")
    tz = ZoneInfo(zone)
    country = country_of_zone(zone) if country is None else country
    after = after.astimezone(UTC)
    day = after.astimezone(tz).date()
    for _ in range(MAX_DAYS):
        if is_working_day(day, country):
            opens, closes = _wall(day, WORK_START, tz), _wall(day, WORK_END, tz)
            if opens is not None and closes is not None and after < closes:
                candidate = opens if after <= opens else after
                local = _ceil_step(candidate.astimezone(tz))
                # Walk quarter hours of the wall clock, skipping any that do not exist.
                while True:
                    instant = _wall(day, local.time(), tz) if local.date() == day else None
                    if local.date() != day or local.time() >= WORK_END:
                        break
                    if instant is not None and instant >= after:
                        return instant
                    local += timedelta(minutes=STEP_MINUTES)
        day += timedelta(days=1)
    raise ValueError(f"no working hours in {zone} within {MAX_DAYS} days")


def format_send_time(instant: datetime, their_zone: str, person_zone: str) -> str:
    """ "Tuesday 09:30 CET (14:00 IST for you)": the recipient's wall time first, then the
    person's, each with its zone's abbreviation (or UTC offset)."""

    def one(zone: str, with_day: bool) -> str:
        local = instant.astimezone(ZoneInfo(zone))
        abbr = local.tzname() or ""
        if not abbr or abbr.startswith(("+", "-")):
            off = local.utcoffset() or timedelta(0)
            sign = "+" if off >= timedelta(0) else "-"
            minutes = abs(int(off.total_seconds())) // 60
            abbr = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
        day = f"{local:%A} {local.day} {local:%b} " if with_day else ""
        return f"{day}{local:%H:%M} {abbr}"

    theirs = one(their_zone, True)
    if their_zone == person_zone:
        return theirs
    mine = instant.astimezone(ZoneInfo(person_zone))
    same_day = mine.date() == instant.astimezone(ZoneInfo(their_zone)).date()
    return f"{theirs} ({one(person_zone, not same_day)} for you)"

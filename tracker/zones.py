"""Time zones: IANA names, local wall times to instants, and an instant shown in two zones.

Pure: no Django, no ORM, no clock. Instants are stored in UTC with the IANA zone they were
agreed in. Errors are `ZoneError`s; the form and model layers turn them into ValidationErrors
(`tracker.validators`).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    # available_timezones() walks the tzdata directories on every call: read it once.
    # "localtime" is the machine's own zone on Debian and "Factory" has no offset at all:
    # neither is a place an interview happens.
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "Factory", "posixrules"}


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this machine knows, sorted, without the legacy aliases."""
    names = _available()
    return tuple(
        sorted(
            n
            for n in names
            if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
        )
        + ["UTC"]
    )


@lru_cache(maxsize=1)
def zone_choices() -> list[tuple[str, str]]:
    return [(n, n.replace("_", " ")) for n in zone_names()]


def is_zone(name: str) -> bool:
    return isinstance(name, str) and name in _available()


class ZoneError(ValueError):
    """A zone or a local time that cannot be used; the message is for the person."""


class UnknownZone(ZoneError):
    def __init__(self, name):
        self.name = name
        super().__init__(f"“{name}” is not a known IANA time zone.")


def check_zone(name: str) -> str:
    """`name` if it is a known IANA zone; raises UnknownZone otherwise."""
    if not is_zone(name):
        raise UnknownZone(name)
    return name


def get_zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


class NonexistentLocalTime(ZoneError):
    """The wall time falls in a gap (clocks spring forward)."""

    def __init__(self, local: datetime, zone: str):
        self.local, self.zone = local, zone
        before, after = gap_bounds(local, zone)
        # The same moment read on the clock after the jump (02:30 in a 02:00 -> 03:00 gap is
        # 03:30): what the person most likely means.
        self.suggestion = local.replace(tzinfo=None) + (after - before)
        super().__init__(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone}: clocks jump from "
            f"{before:%H:%M} to {after:%H:%M} that day. Did you mean "
            f"{self.suggestion:%H:%M}?"
        )


class AmbiguousLocalTime(ZoneError):
    """The wall time happens twice (clocks fall back); `choices` holds both instants, as aware
    datetimes in the zone with fold 0 and 1. Convert them to UTC before comparing: two aware
    datetimes sharing a tzinfo compare by wall time and would be equal."""

    def __init__(self, local: datetime, zone: str):
        self.local, self.zone = local, zone
        z = get_zone(zone)
        self.choices = (local.replace(tzinfo=z, fold=0), local.replace(tzinfo=z, fold=1))
        a, b = self.choices
        super().__init__(
            f"{local:%Y-%m-%d %H:%M} happens twice in {zone}: first at UTC{format_offset(a)}"
            f"{_abbr(a)}, then again at UTC{format_offset(b)}{_abbr(b)}. Say which one is meant."
        )


def _abbr(dt: datetime) -> str:
    """' (CEST)', or nothing where the zone has only a numeric name such as '+1030'."""
    name = dt.tzname() or ""
    return f" ({name})" if name and not name.startswith(("+", "-")) else ""


def format_offset(dt: datetime) -> str:
    """'+02:00' (or '-03:30') for an aware datetime: its offset from UTC."""
    off = dt.utcoffset() or timedelta(0)
    sign = "+" if off >= timedelta(0) else "-"
    minutes = abs(int(off.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def gap_bounds(local: datetime, zone: str) -> tuple[datetime, datetime]:
    """For a wall time inside a gap: the first wall time of the gap and the first after it."""
    z = get_zone(zone)
    naive = local.replace(tzinfo=None, fold=0)
    # Inside a gap fold=0 carries the offset before the jump and fold=1 the one after it.
    before = naive.replace(tzinfo=z, fold=0).utcoffset()
    after = naive.replace(tzinfo=z, fold=1).utcoffset()
    # The jump's instant T (UTC, whole seconds) has T + before <= naive < T + after.
    lo = _to_seconds(naive - after)  # offset(lo) is still `before`
    hi = _to_seconds(naive - before)  # offset(hi) is already `after`
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(mid, z) == after:
            hi = mid
        else:
            lo = mid
    jump = _EPOCH + timedelta(seconds=hi)
    return jump + before, jump + after


_EPOCH = datetime(1970, 1, 1)


def _to_seconds(naive_utc: datetime) -> int:
    return int((naive_utc - _EPOCH).total_seconds())


def _offset_at(seconds: int, z: zoneinfo.ZoneInfo) -> timedelta:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)).astimezone(z).utcoffset()


def _in_gap(naive: datetime, z: zoneinfo.ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=z)
    return aware.astimezone(UTC).astimezone(z).replace(tzinfo=None) != naive


def resolve_local(local: datetime, zone: str, *, fold: int | None = None) -> datetime:
    """Turn a naive wall time in `zone` into an aware instant.

    Raises NonexistentLocalTime inside a spring-forward gap, and AmbiguousLocalTime in a
    fall-back overlap unless `fold` (0 = the first, 1 = the second) says which is meant.
    """
    z = get_zone(zone)
    naive = local.replace(tzinfo=None)
    if _in_gap(naive, z):
        raise NonexistentLocalTime(naive, zone)
    first, second = naive.replace(tzinfo=z, fold=0), naive.replace(tzinfo=z, fold=1)
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise AmbiguousLocalTime(naive, zone)
        return second if fold else first
    return first


@dataclass(frozen=True)
class ZonedTime:
    """One instant as seen in one zone."""

    local: datetime
    zone: str

    @property
    def abbreviation(self) -> str:
        return self.local.tzname() or ""

    def __str__(self) -> str:
        return format_local(self.local, self.zone)


def format_local(instant: datetime, zone: str) -> str:
    """'Tue 3 Mar 2026, 14:30 CET (Europe/Berlin)'."""
    local = instant.astimezone(get_zone(zone))
    abbr = local.tzname() or ""
    label = zone.replace("_", " ")
    numeric = not abbr or abbr.startswith(("+", "-"))
    abbr_part = f" UTC{format_offset(local)}" if numeric else f" {abbr}"
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}{abbr_part} ({label})"


def in_zones(instant: datetime, *zones: str) -> list[ZonedTime]:
    """The instant in each distinct zone, in the order given."""
    seen: list[str] = []
    for z in zones:
        if z and z not in seen:
            seen.append(z)
    return [ZonedTime(instant.astimezone(get_zone(z)), z) for z in seen]

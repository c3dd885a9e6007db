"""Typing a city or a country finds its IANA zones, from Babel's CLDR data (the exemplar city
of every zone, the country each zone belongs to, and the old names that became aliases), so
"Berlin", "germany", "Bombay" or "New York" resolve instead of being refused.

No Django and no clock: it reads only Babel's bundled data, once per process.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from tracker import zones

LOCALE = "en"
LIMIT = 8


@dataclass(frozen=True)
class ZoneMatch:
    zone: str
    city: str
    country: str

    @property
    def label(self) -> str:
        where = ", ".join(dict.fromkeys(p for p in (self.city, self.country) if p))
        return f"{where} ({self.zone})" if where else self.zone

    def as_json(self) -> dict:
        return {"zone": self.zone, "city": self.city, "country": self.country, "label": self.label}


def _fold(text: str) -> str:
    """'São Paulo' and 'sao paulo', 'New_York' and 'new york' compare equal."""
    text = unicodedata.normalize("NFKD", text.replace("_", " ")).casefold()
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


@dataclass(frozen=True)
class _Entry:
    match: ZoneMatch
    keys: tuple[str, ...]  # folded city names (exemplar city, the id's last part, old names)
    country_key: str


@lru_cache(maxsize=1)
def _ALIASES() -> frozenset[str]:  # noqa: N802 - a constant read once
    return frozenset(old for old, new in get_global("zone_aliases").items() if old != new)


@lru_cache(maxsize=1)
def _index() -> tuple[_Entry, ...]:
    locale = Locale.parse(LOCALE)
    territories = get_global("zone_territories")
    aliases: dict[str, list[str]] = {}
    for old, new in get_global("zone_aliases").items():
        aliases.setdefault(new, []).append(old)
    entries = []
    for zone in zones.zone_names():
        if zone == "UTC" or zone in _ALIASES():
            continue  # an old name: found under the zone it became
        try:
            city = get_timezone_location(zone, locale=locale, return_city=True)
        except (LookupError, ValueError):  # pragma: no cover - CLDR knows every tzdata zone
            city = zone.rsplit("/", 1)[-1].replace("_", " ")
        code = territories.get(zone, "")
        country = locale.territories.get(code, "") if code and code != "001" else ""
        names = {city, zone.rsplit("/", 1)[-1]}
        names.update(old.rsplit("/", 1)[-1] for old in aliases.get(zone, ()) if "/" in old)
        entries.append(
            _Entry(
                ZoneMatch(zone, city, country),
                tuple(sorted(_fold(n) for n in names)),
                _fold(country),
            )
        )
    return tuple(entries)


def search(query: str, *, limit: int = LIMIT) -> list[ZoneMatch]:
    """The zones whose city or country matches what was typed: exact names first, then names
    that start with it, then the zone ids that contain it."""
    q = _fold(query or "")[:64]
    if len(q) < 2:
        return []
    ranked: list[tuple[int, str, ZoneMatch]] = []
    for e in _index():
        zone_key = _fold(e.match.zone)
        if q in e.keys:
            rank = 0
        elif q == e.country_key:
            rank = 1
        elif any(k.startswith(q) for k in e.keys):
            rank = 2
        elif e.country_key.startswith(q):
            rank = 3
        elif q in zone_key:
            rank = 4
        else:
            continue
        ranked.append((rank, e.match.zone, e.match))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [m for _, _, m in ranked[:limit]]


def resolve(query: str) -> str | None:
    """The one zone a typed city or country names without doubt ("Berlin", "India"), else
    None (nothing found, or several candidates: the form lists them)."""
    best = [m for m in search(query, limit=LIMIT) if _exact(query, m)]
    zones_found = {m.zone for m in best}
    return zones_found.pop() if len(zones_found) == 1 else None


def _exact(query: str, m: ZoneMatch) -> bool:
    q = _fold(query)
    entry = _by_zone()[m.zone]
    return q in entry.keys or q == entry.country_key


@lru_cache(maxsize=1)
def _by_zone() -> dict[str, _Entry]:
    return {e.match.zone: e for e in _index()}

"""The fields and helpers the person's forms are built from: a time zone typed into a text box,
a wall time, one-line text boxes, a choice among the incident's contacts, the wall time + zone
-> instant step, and the ids read from a query string.

A local time is always typed as a wall time plus an IANA zone and turned into an instant with
`zones.resolve_local`: a time inside a spring-forward gap is refused with the gap named, and a
time that happens twice asks which of the two is meant (the `which` radio, keyed by offset).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError

from tracker import zones
from tracker.incidents.models import Contact

from . import zone_search

# Beyond these years the zone arithmetic can overflow; nobody schedules an interview there.
MIN_YEAR, MAX_YEAR = 2000, 2100
WALL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
ZONE_LIST_ID = "iana-zones"


# '+02:00': the value of a `which` choice.
offset_label = zones.format_offset


def _lower_zone_map() -> dict[str, str]:
    names = {name.lower(): name for name in zones.zone_names()}
    names.update({name.lower().replace("_", " "): name for name in zones.zone_names()})
    return names


_ZONES_BY_LOWER: dict[str, str] | None = None


def normalise_zone(value: str) -> str:
    """'europe/berlin' or 'America/New York' -> the IANA spelling; unknown names unchanged."""
    global _ZONES_BY_LOWER
    if _ZONES_BY_LOWER is None:
        _ZONES_BY_LOWER = _lower_zone_map()
    return _ZONES_BY_LOWER.get(value.strip().lower(), value.strip())


class ZoneField(forms.CharField):
    """An IANA zone typed into a text box backed by a datalist of `zones.zone_choices()`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "list": ZONE_LIST_ID,
                    "autocomplete": "off",
                    "autocapitalize": "none",
                    "spellcheck": "false",
                    "placeholder": "a city or a zone, e.g. Berlin",
                    "data-zone-search": "",
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        name = normalise_zone(value)
        if zones.is_zone(name):
            return name
        # A city or a country ("Berlin", "India") that names one zone without doubt.
        found = zone_search.resolve(value)
        if found is not None:
            return found
        candidates = zone_search.search(value, limit=5)
        if candidates:
            raise ValidationError(
                "“%(name)s” could be one of several time zones: %(list)s. Pick the one the "
                "interview is in.",
                code="ambiguous_zone",
                params={"name": value, "list": "; ".join(m.label for m in candidates)},
            )
        raise ValidationError(
            "“%(name)s” is not a time zone we know. Type a city or a country and pick one "
            "from the list, e.g. Europe/Berlin or America/New_York.",
            code="unknown_zone",
            params={"name": value},
        )


# HH:MM on a 24-hour clock, as the app writes every time.
TIME_PATTERN = r"([01]?[0-9]|2[0-3]):[0-5][0-9]"
# Attributes of the field that belong to the date box only (the live conversion, web/zones.js).
_DATE_ONLY = ("data-zone-preview", "data-other-zone-field", "data-other-zone")


class WallTimeWidget(forms.Widget):
    """A date picker and a 24-hour time box (issue 11: the browser's datetime-local picker shows
    a 12-hour clock in an en-US browser while the app writes 24-hour times everywhere).

    The date box keeps the field's own name and id (its label points at it); the time box is
    `<name>_time`, named "Time (24-hour, HH:MM)". A post with the one combined value
    ("2026-03-02T10:00", as the old one-box form and scripts send it) is still read. Not a
    MultiWidget: crispy would render that as a fieldset whose legend labels neither box."""

    template_name = "web/widgets/wall_time.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.time = forms.TextInput(attrs={
            "inputmode": "numeric", "pattern": TIME_PATTERN, "placeholder": "HH:MM",
            "size": "6", "autocomplete": "off", "aria-label": "Time (24-hour, HH:MM)",
        })

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.date, obj.time = copy.deepcopy(self.date, memo), copy.deepcopy(self.time, memo)
        return obj

    @staticmethod
    def decompress(value) -> tuple[str, str]:
        if not value:
            return "", ""
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d"), value.strftime("%H:%M")
        date, _, time = str(value).strip().replace("T", " ", 1).partition(" ")
        if len(time) == 8 and time.endswith(":00"):
            time = time[:5]
        return date, time

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        final = context["widget"]["attrs"]
        date_value, time_value = self.decompress(value)
        time_attrs = {k: v for k, v in final.items() if k not in _DATE_ONLY}
        if final.get("id"):
            time_attrs["id"] = f"{final['id']}_time"
        time_attrs["class"] = f"{final.get('class', '')} wall-time-time".strip()
        context["widget"]["subwidgets"] = [
            self.date.get_context(name, date_value, dict(final))["widget"],
            self.time.get_context(f"{name}_time", time_value, time_attrs)["widget"],
        ]
        return context

    def value_from_datadict(self, data, files, name):
        date = data.get(name)
        time = data.get(f"{name}_time")
        if time is None or (isinstance(date, str) and ("T" in date or " " in date.strip())):
            return date
        date, time = (date or "").strip(), str(time).strip()
        if not date and not time:
            return ""
        return f"{date} {time}"

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_time" not in data


class WallTimeField(forms.DateTimeField):
    """A naive wall-clock date and time; the zone comes from a sibling ZoneField.

    Django's DateTimeField would attach the server's zone; here the wall time stays naive until
    `zones.resolve_local` gives it the zone the person chose.
    """

    widget = WallTimeWidget
    default_error_messages = {
        "invalid": "Enter a date and time, e.g. 2026-03-02 14:30.",
        "range": f"Enter a date between {MIN_YEAR} and {MAX_YEAR}.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", WALL_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            result = value.replace(tzinfo=None)
        else:
            text = str(value).strip()
            result = None
            for fmt in self.input_formats:
                try:
                    result = datetime.strptime(text, fmt)  # noqa: DTZ007 - a wall time
                    break
                except (TypeError, ValueError):
                    continue
            if result is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        if not MIN_YEAR <= result.year <= MAX_YEAR:
            raise ValidationError(self.error_messages["range"], code="range")
        return result


def which_field():
    """The `which` of a ZonedTimeMixin form: hidden until its time turns out to be ambiguous."""
    return forms.CharField(required=False, widget=forms.HiddenInput, max_length=6)


# One-line values end up in email subjects, .ics lines and headers: no line break or other
# control character (Django's CharField already refuses NUL).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def no_control_characters(value: str) -> None:
    if _CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            "Line breaks and control characters are not allowed here.", code="control_character"
        )


class OneLineInputsMixin:
    """Every text box of the form (a CharField on a TextInput: names, companies, subjects,
    links, phones, zones) refuses line breaks and control characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and isinstance(field.widget, forms.TextInput):
                field.validators.append(no_control_characters)


def _contact_choices(contacts) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(c.pk), str(c)) for c in contacts]


class ContactChoiceMixin:
    """A choice among the incident's own contacts, resolved from the list the view passed in
    (prefetched), so another person's contact can never be picked."""

    def _setup_contacts(self, contacts, field="contact"):
        self._contacts = {str(c.pk): c for c in contacts}
        self.fields[field].choices = _contact_choices(contacts)
        # Issue 11: the only contact is the one meant; it is picked already.
        if len(self._contacts) == 1 and not self.initial.get(field):
            self.initial[field] = next(iter(self._contacts))

    def _contact(self, field="contact") -> Contact | None:
        key = self.cleaned_data.get(field) or ""
        return self._contacts.get(key)


_ID = forms.IntegerField(min_value=1, max_value=2**63 - 1)


def parse_id(raw) -> int | None:
    """An object id from a query string or a hidden field, or None if it is not one. A bare
    int() would raise on "²" (a digit to str.isdigit) or on 5,000 digits: a 500."""
    try:
        return _ID.clean(raw)
    except ValidationError:
        return None


def same_named(source, *names: str) -> dict:
    """{name: value} of these names in `source` (a form's cleaned data, or a row's or record's
    attributes), for a call whose arguments bear the same names."""
    if isinstance(source, Mapping):
        return {name: source[name] for name in names}
    return {name: getattr(source, name) for name in names}


def wall_time_in(instant: datetime, zone: str) -> str:
    """The value of a WallTimeField showing `instant` in `zone` (for initial data)."""
    return instant.astimezone(zones.get_zone(zone)).strftime("%Y-%m-%dT%H:%M")


class ZonedTimeMixin:
    """Resolves one wall time + zone pair of a form into an aware UTC instant.

    A form using it declares `wall_field`, `zone_field` and a `which` field (`which_field()`,
    hidden until a time turns out to be ambiguous), and calls `resolve_zoned()` from `clean()`.
    """

    wall_field = "start"
    zone_field = "time_zone"

    def resolve_zoned(self, refuse: Callable[[datetime], str] | None = None) -> datetime | None:
        """The instant, or None with the error on the form: a time in a gap, one that happens
        twice and no `which` chosen, or one this form does not take (`refuse(instant)` says
        why, on the wall time; "" when it takes it)."""
        instant = self._resolve_local()
        if instant is not None and refuse is not None and (why := refuse(instant)):
            self.add_error(self.wall_field, why)
            return None
        return instant

    def _resolve_local(self) -> datetime | None:
        wall = self.cleaned_data.get(self.wall_field)
        zone = self.cleaned_data.get(self.zone_field)
        if wall is None or not zone:
            return None
        try:
            return zones.resolve_local(wall, zone).astimezone(UTC)
        except zones.NonexistentLocalTime as exc:
            self.add_error(self.wall_field, str(exc))
            return None
        except zones.AmbiguousLocalTime as exc:
            choices = [
                (offset_label(c), self._which_label(c, i)) for i, c in enumerate(exc.choices)
            ]
            chosen = (self.data.get(self.add_prefix("which")) or "").strip()
            self.fields["which"] = forms.ChoiceField(
                label="Which one do you mean?",
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
            )
            # The hidden field's BoundField was cached while cleaning; render the radio instead.
            self._bound_fields_cache.pop("which", None)
            offsets = [value for value, _ in choices]
            if chosen in offsets:
                return exc.choices[offsets.index(chosen)].astimezone(UTC)
            self.add_error("which", str(exc))
            return None

    @staticmethod
    def _which_label(dt: datetime, index: int) -> str:
        when = "the first time, before the clocks go back" if index == 0 else (
            "the second time, after the clocks go back"
        )
        return f"{dt:%H:%M} {dt.tzname()} (UTC{offset_label(dt)}), {when}"

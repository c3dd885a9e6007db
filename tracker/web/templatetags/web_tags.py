"""Template helpers of the person's UI: an instant in both zones, the zone datalist, and a
small server-rendered SVG bar chart."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django import template
from django.utils.html import format_html, format_html_join

from tracker import zones
from tracker.web.fields import ZONE_LIST_ID

register = template.Library()


@register.filter
def local(instant: datetime | None, zone: str) -> str:
    """`{{ event.at|local:incident.candidate_tz }}`: one instant in one zone, zone named."""
    if instant is None or not zone:
        return ""
    return zones.format_local(instant, zone)


@register.filter
def zoned(instant: datetime | None, incident) -> list[zones.ZonedTime]:
    """`{% for z in incident.interview_at|zoned:incident %}`: the person's zone, then the
    interviewer's, without repeats."""
    if instant is None:
        return []
    return zones.in_zones(instant, incident.candidate_tz, incident.interview_tz)


# An instant in its zones and the zone list are built as strings, not through an inclusion
# template: `when` runs for every row of the dashboard and the history, and the zone list has
# some 600 options; a template render per call was a large share of those pages' time.
_WHEN_ROW = (
    '<span class="zone-time d-block"><span class="badge text-bg-light border me-1">{}</span>'
    "{}</span>"
)


@register.simple_tag
def when(instant: datetime | None, incident, zone: str = ""):
    """An interview time in the person's and the interviewer's zone (and the zone it was
    agreed in, when that is a third one), each with its zone name."""
    if instant is None:
        return ""
    labels = {incident.interview_tz: "Them", incident.candidate_tz: "You"}
    if incident.candidate_tz == incident.interview_tz:
        labels[incident.candidate_tz] = "You and them"
    return format_html_join(
        "",
        _WHEN_ROW,
        (
            (labels.get(zt.zone, "Agreed in"), str(zt))
            for zt in zones.in_zones(instant, incident.candidate_tz, incident.interview_tz, zone)
        ),
    )


@lru_cache(maxsize=1)
def _zone_datalist_html() -> str:
    # The zone names are fixed for the life of the process (zones.zone_choices is cached too).
    options = format_html_join("", '<option value="{}">{}</option>', zones.zone_choices())
    return format_html('<datalist id="{}">{}</datalist>', ZONE_LIST_ID, options)


@register.simple_tag
def zone_datalist():
    return _zone_datalist_html()


@register.inclusion_tag("web/_bar_chart.html")
def bar_chart(rows, title: str, chart_id: str):
    """Horizontal bars for [(label, count), ...], label above its bar so it fits 375 px."""
    rows = list(rows)
    width, row_h, bar_h, label_w = 320, 36, 14, 280
    top = max((n for _, n in rows), default=0) or 1
    bars = []
    for i, (label, n) in enumerate(rows):
        y = i * row_h
        w = max(round(label_w * n / top), 2)
        bars.append(
            {
                "label": label,
                "n": n,
                "text_y": y + 13,
                "bar_y": y + 18,
                "w": w,
                "count_x": w + 6,
                "count_y": y + 18 + bar_h - 2,
            }
        )
    return {
        "bars": bars,
        "title": title,
        "chart_id": chart_id,
        "width": width,
        "height": max(len(rows) * row_h, row_h),
        "bar_h": bar_h,
    }


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def minutes(value) -> str:
    """75 -> '75 min', 150 -> '2 h 30 min', 4000 -> '2 days': the first-hour clock stays
    readable on an incident left open for days."""
    try:
        m = int(value)
    except (TypeError, ValueError):
        return ""
    if m < 120:
        return f"{m} min"
    if m < 48 * 60:
        return f"{m // 60} h {m % 60} min"
    return f"{m // (24 * 60)} days"


# --- The markup of an unbound form, cached ---------------------------------------------------
#
# crispy renders some ten templates per field, and the incident page shows five to eight
# unbound forms on every load: most of its time. An unbound form comes out the same for the
# same fields, so `web/_crispy.html` keeps crispy's markup in `{% cache %}` under `form_key`:
# everything the markup is made of, field by field (name, id, field and widget types, label,
# help text, required and disabled, the widget's attributes and choices, the value shown).
# A bound form (what was typed, its errors) is never cached: its key is "".


def _qualname(obj) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _choices(choices) -> tuple:
    return tuple(
        (repr(value), _choices(label) if isinstance(label, list | tuple) else str(label))
        for value, label in choices
    )


def _attrs(attrs: dict) -> tuple:
    return tuple(sorted((name, repr(value)) for name, value in attrs.items()))


def _field_key(bf) -> tuple:
    field, widget = bf.field, bf.field.widget
    return (
        bf.html_name, bf.auto_id, _qualname(field), _qualname(widget), widget.template_name,
        str(getattr(widget, "format", "")), str(bf.label), str(bf.help_text), bf.css_classes(),
        field.required, field.disabled, field.show_hidden_initial, field.localize,
        _attrs(widget.attrs), _attrs(field.widget_attrs(widget)),
        _choices(getattr(widget, "choices", ())), repr(bf.value()),
    )


@register.filter
def form_key(form) -> str:
    """`{% cache 600 crispy_form form|form_key %}`: the key of an unbound form's markup, or ""
    for a bound form (not to be cached)."""
    if form.is_bound:
        return ""
    return repr((
        _qualname(form), form.prefix, form.auto_id, form.use_required_attribute,
        tuple(_field_key(bf) for bf in form),
    ))


# Issue 11: the reminders panel shows the current interview's reminders; the ones cancelled by a
# move, a call-off or an answer are folded as history.
HISTORY_STATUSES = frozenset({"cancelled"})


@register.filter
def reminder_current(rows) -> list:
    return [r for r in rows if r.status not in HISTORY_STATUSES]


@register.filter
def reminder_history(rows) -> list:
    return [r for r in rows if r.status in HISTORY_STATUSES]


@register.filter
def reminder_attention(rows) -> bool:
    """A reminder that failed or was skipped: the panel opens by itself."""
    return any(r.status in ("failed", "skipped") for r in rows)

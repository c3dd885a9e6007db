"""Template helpers of the person's UI: an instant in both zones, the zone datalist, and a
small server-rendered SVG bar chart."""

from __future__ import annotations

import html
from datetime import datetime
from functools import lru_cache

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.conf import settings
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from tracker import zones
from tracker.web.forms import ZONE_LIST_ID

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


# --- Bootstrap 5 forms, built in Python ----------------------------------------------------
#
# `{{ form|bootstrap_form }}` writes the markup crispy-forms' bootstrap5 pack writes for
# `{{ form|crispy }}` (same wrappers, classes, ids, labels, required marks, help text, errors,
# aria attributes, field names and values), from each widget's own context, without a template
# render per field: the incident page has five forms and crispy was about half of its time.
# Every value is escaped as `conditional_escape` (autoescaping) would. A widget it does not
# know (file, checkbox, multi-widgets, custom templates) is handed to crispy unchanged.

_INPUT_WIDGETS = frozenset(
    {
        forms.TextInput,
        forms.NumberInput,
        forms.EmailInput,
        forms.URLInput,
        forms.PasswordInput,
        forms.DateInput,
        forms.DateTimeInput,
        forms.TimeInput,
        forms.HiddenInput,
    }
)
_OWN_WIDGETS = _INPUT_WIDGETS | {forms.Textarea, forms.Select, forms.RadioSelect}


def _esc(value) -> str:
    """`conditional_escape` without its lazy-argument wrapper (some 500 calls a page): safe
    strings as they are, anything else through `html.escape` as Django's `escape` does."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    """Django's widgets/attrs.html: `True` as a bare name, `False` left out."""
    return "".join(
        f" {_esc(name)}"
        if value is True
        else f' {_esc(name)}="{_esc(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _widget_class(widget, extra: str) -> str:
    """The class crispy gives a widget: its own class, the widget's name, then `extra`."""
    name = type(widget).__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    css = widget.attrs.get("class", "")
    if not css:
        css = name
    elif css.find(name) == -1:
        css += f" {name}"
    for cls in extra.split():
        if cls not in css.split():
            css += f" {cls}"
    return css


def _widget_html(bf, attrs: dict) -> str:
    """The widget as Django's own widget templates write it (input, textarea, select)."""
    widget = bf.field.widget
    if bf.field.localize:
        widget.is_localized = True
    attrs = bf.build_widget_attrs(attrs, widget)
    if bf.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bf.auto_id)
    w = widget.get_context(bf.html_name, bf.value(), attrs)["widget"]
    name = _esc(w["name"])
    if isinstance(widget, forms.Select):
        options = []
        for group, choices, _ in w["optgroups"]:
            if group:
                options.append(f'\n  <optgroup label="{_esc(group)}">')
            options.extend(
                f'\n  <option value="{_esc(o["value"])}"{_attrs(o["attrs"])}>'
                f"{_esc(o['label'])}</option>"
                for o in choices
            )
            if group:
                options.append("\n  </optgroup>")
        return f'<select name="{name}"{_attrs(w["attrs"])}>{"".join(options)}\n</select>'
    if isinstance(widget, forms.Textarea):
        text = _esc(w["value"]) if w["value"] else ""
        return f'<textarea name="{name}"{_attrs(w["attrs"])}>\n{text}</textarea>'
    value = "" if w["value"] is None else f' value="{_esc(w["value"])}"'
    kind = _esc(w["type"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(w["attrs"])}>'


def _errors_html(bf) -> str:
    if not bf.errors:
        return ""
    items = "".join(
        f'<p id="error_{n}_{bf.auto_id}"><strong>{_esc(e)}</strong></p>'
        for n, e in enumerate(bf.errors, 1)
    )
    return f'<div id="{bf.errors.field_id}_error" class="invalid-feedback">{items}</div>'


def _help_html(bf) -> str:
    if not bf.help_text:
        return ""
    # Help texts are written in the code and are HTML, as in Django's and crispy's rendering.
    ident = f'id="{bf.auto_id}_helptext" ' if bf.auto_id else ""
    return f'<div {ident}class="form-text">{bf.help_text}</div>'


def _radio_html(bf) -> str:
    """crispy's radio_checkbox_select.html: one .form-check per option, errors in the last."""
    widget = bf.field.widget
    ident = widget.attrs.get("id") or bf.auto_id
    attrs = bf.build_widget_attrs({"id": ident} if ident else {})
    groups = widget.optgroups(bf.html_name, widget.format_value(bf.value()), attrs)
    invalid = " is-invalid" if bf.errors else ""
    name = _esc(bf.html_name)
    parts = ["<div>"]
    for g, (group, options, _) in enumerate(groups):
        if group:
            parts.append(f"<strong>{_esc(group)}</strong>")
        for i, o in enumerate(options):
            last = i == len(options) - 1 and g == len(groups) - 1
            parts.append(
                f'<div class="form-check"><input type="{_esc(o["type"])}" '
                f'class="form-check-input{invalid}" name="{name}" '
                f'value="{_esc(o["value"])}"{_attrs(o["attrs"])}> '
                f'<label for="{_esc(o["attrs"].get("id", ""))}" '
                f'class="form-check-label">{_esc(o["label"])}</label>'
                f"{_errors_html(bf) if last else ''}</div>"
            )
    parts.append("</div>")
    parts.append(_help_html(bf))
    return "".join(parts)


def _field_html(bf) -> str:
    widget = bf.field.widget
    if (
        type(widget) not in _OWN_WIDGETS
        or widget.template_name != type(widget).template_name
        or bf.field.show_hidden_initial
    ):
        return as_crispy_field(bf)
    if bf.is_hidden:
        return _widget_html(bf, {})
    required = bf.field.required
    radio = isinstance(widget, forms.RadioSelect)
    parts = [f'<div id="div_{bf.auto_id}" class="mb-3']
    if css := bf.css_classes():
        parts.append(f" {css}")
    parts.append('">')
    if bf.label:
        mark = '<span class="asteriskField">*</span>' if required else ""
        label_class = "form-label" + (" requiredField" if required else "")
        if radio:
            described = bf.aria_describedby
            described = f' aria-describedby="{described}"' if described else ""
            parts.append(
                f'<fieldset{described}><legend class="{label_class} fs-6">'
                f"{_esc(bf.label)}{mark}</legend>"
            )
        else:
            target = bf.id_for_label
            target = f'for="{_esc(target)}" ' if target else ""
            parts.append(
                f'<label {target}class="{label_class}">{_esc(bf.label)}{mark}</label>'
            )
    if radio:
        parts.append(_radio_html(bf))
        if bf.label:
            parts.append("</fieldset>")
    else:
        extra = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if bf.errors:
            extra += " is-invalid"
        parts.append(_widget_html(bf, {"class": _widget_class(widget, extra)}))
        parts.append(_errors_html(bf))
        parts.append(_help_html(bf))
    parts.append("</div>")
    return "".join(parts)


@register.filter
def bootstrap_field(bf):
    """`{{ form.field|bootstrap_field }}`: one field as `|as_crispy_field` writes it."""
    return mark_safe(_field_html(bf))  # noqa: S308 - every value above is escaped


@register.filter
def bootstrap_form(form):
    """`{{ form|bootstrap_form }}`: the form's errors and fields as `|crispy` writes them."""
    parts = []
    errors = form.non_field_errors()
    if errors:
        items = "".join(f"<li>{_esc(e)}</li>" for e in errors)
        parts.append(
            f'<div class="alert alert-block alert-danger"><ul class="m-0">{items}</ul></div>'
        )
    parts.extend(_field_html(bf) for bf in form)
    return mark_safe(" ".join(parts))  # noqa: S308 - every value above is escaped

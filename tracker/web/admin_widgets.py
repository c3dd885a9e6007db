"""The admin's split date and time inputs, each with its own accessible name (issue 11: axe
found them unlabelled, critical): Django labels the pair once, for the date input only."""

from __future__ import annotations

from django.contrib.admin import options, widgets
from django.db import models


class LabelledSplitDateTime(widgets.AdminSplitDateTime):
    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        what = name.rsplit("-", 1)[-1].replace("_", " ")
        for sub, part in zip(
            context["widget"]["subwidgets"], ("date", "time (24-hour)"), strict=False
        ):
            sub["attrs"]["aria-label"] = f"{what.capitalize()}: {part}"
        return context


def install() -> None:
    """Every ModelAdmin's date-time fields use it: the admin's default widget table, and the
    ModelAdmins already registered (the admin app's ready() ran first and copied the table)."""
    from django.contrib import admin

    options.FORMFIELD_FOR_DBFIELD_DEFAULTS[models.DateTimeField] = {
        **options.FORMFIELD_FOR_DBFIELD_DEFAULTS[models.DateTimeField],
        "widget": LabelledSplitDateTime,
    }
    for model_admin in admin.site._registry.values():
        override = model_admin.formfield_overrides.get(models.DateTimeField)
        if override is not None and override.get("widget") is widgets.AdminSplitDateTime:
            override["widget"] = LabelledSplitDateTime

"""Pieces the models of every app share: choices written as one table of values and labels, and
the kinds of field that recur (an IANA zone name, a long free text)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

from django.core.validators import MaxLengthValidator
from django.db import models

from tracker.validators import multiline_text, validate_zone


def text_choices(
    name: str, labels: Mapping[str, str] | Iterable[tuple[str, str]]
) -> type[models.TextChoices]:
    """TextChoices from (value, label) pairs, each member named after its value in capitals:
    `Role = text_choices("Role", {"hr": "HR"})` gives `Role.HR == "hr"`, labelled "HR".

    Called in a class body, the choices are named as a nested class would be (`Contact.Role`),
    so that their members pickle."""
    caller = sys._getframe(1)
    owner = caller.f_locals.get("__qualname__")
    return models.TextChoices(
        name,
        [(value.upper(), (value, label)) for value, label in dict(labels).items()],
        module=caller.f_globals["__name__"],
        qualname=f"{owner}.{name}" if owner else name,
    )


def zone_field(**options) -> models.CharField:
    """The name of an IANA time zone ("Europe/Paris"), checked against the zone database."""
    return models.CharField(max_length=64, validators=[validate_zone], **options)


def long_text(limit: int, **options) -> models.TextField:
    """Free text over several lines, at most `limit` characters. A TextField's max_length only
    sizes the form widget; the validator makes it a rule."""
    return models.TextField(
        max_length=limit, validators=[MaxLengthValidator(limit), multiline_text], **options
    )

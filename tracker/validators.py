"""Model and form validators built on the pure helpers: they turn their errors into Django's
ValidationError."""

from django.core.exceptions import ValidationError

from tracker import zones


def validate_zone(name: str) -> None:
    try:
        zones.check_zone(name)
    except zones.ZoneError as exc:
        raise ValidationError(str(exc), code="unknown_zone") from exc

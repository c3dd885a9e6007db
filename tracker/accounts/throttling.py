"""django-axes with django-allauth: one name per account for the lockout counters, and a
completed password reset clears the account's lockout (issue 12).

The site's login form posts an email ("login"), the admin's a username: both are counted
under the account's email, lower-cased, so five failures are five whichever form they came
through, and an address typed in capitals is the same address."""

from __future__ import annotations

from django.contrib.auth import get_user_model

# The column axes stores it in.
_MAX = 255


def login_name(request, credentials) -> str | None:
    credentials = credentials or {}
    data = getattr(request, "POST", None) or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or data.get("login")
        or data.get("username")
        or ""
    )
    value = str(value).strip()[:_MAX]
    if not value:
        return None
    if "@" not in value:
        user = get_user_model().objects.filter(username=value).only("email").first()
        if user is not None and user.email:
            value = user.email
    return value.lower()[:_MAX]


def lockout_clear(*, user) -> int:
    """Forget the failed logins counted against `user` (from every address)."""
    from axes.utils import reset

    names = {n for n in ((user.email or "").lower(), user.get_username().lower()) if n}
    return sum(reset(username=name) for name in names)

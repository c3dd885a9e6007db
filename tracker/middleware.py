"""Small request/response guards (issue 12).

- `Utf8BodyMiddleware`: a request body declared in a charset other than UTF-8 is a 400 before
  anything reads it. Django refuses such a form body with BadRequest each time `request.POST`
  is read, and its CSRF failure and error pages read it again, which turned a 400 into a 500.
- `AdminDateFilterMiddleware`: the admin's date hierarchy and date filters take the year, month
  and day from the query string and do date arithmetic on them; `?discovered_at__year=9999`
  overflowed into a 500. Out-of-range or non-numeric parts are a 400.
- `PrivateCacheMiddleware`: `Cache-Control: private, no-store` on every response that does not
  set its own caching (static files do): the pages behind the login and the .ics carry the
  person's interviews, and a shared cache or the browser's back/forward cache must not keep them.
"""

from __future__ import annotations

import logging
from datetime import date

from django.http import HttpResponseBadRequest
from django.utils.cache import patch_cache_control

log = logging.getLogger(__name__)

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _declared_charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


class Utf8BodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in _BODY_METHODS:
            charset = _declared_charset(request.META.get("CONTENT_TYPE", ""))
            if charset is not None and charset != "utf-8":
                log.info("Refused a %s %s body declared as %r", request.method,
                         request.path, charset[:40])
                return HttpResponseBadRequest(
                    "Send the form as UTF-8.", content_type="text/plain; charset=utf-8"
                )
        return self.get_response(request)


# The admin's date hierarchy adds a day, a month or a year to what it reads: keep one spare.
ADMIN_PREFIX = "/admin/"  # tracker/urls.py
_RANGES = {"year": (1, date.max.year - 1), "month": (1, 12), "day": (1, 31)}


class AdminDateFilterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = ADMIN_PREFIX

    def __call__(self, request):
        if request.path.startswith(self.prefix) and request.GET:
            for key, values in request.GET.lists():
                part = key.rsplit("__", 1)[-1] if "__" in key else ""
                if part not in _RANGES:
                    continue
                low, high = _RANGES[part]
                for value in values:
                    try:
                        number = int(value)
                    except ValueError:
                        number = None
                    if number is None or not low <= number <= high:
                        log.info("Refused an admin date filter %s=%r", key[:80], value[:40])
                        return HttpResponseBadRequest(
                            f"The {part} in that filter is out of range.",
                            content_type="text/plain; charset=utf-8",
                        )
        return self.get_response(request)


class PrivateCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response

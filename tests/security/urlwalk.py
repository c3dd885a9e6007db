"""Walk the URL configuration, so a sweep covers every view, including one added tomorrow.

`routes()` yields every URLPattern reachable from the root resolver, with the full regex, the
namespaced name, the converter of each keyword and a format string to build a path from
values. The security and fuzz tests take their list of URLs from here, never from a list
written by hand; the tables in those tests only say which object fills which keyword, and a
URL they do not know fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, UUIDConverter
from django.utils.regex_helper import normalize


@dataclass(frozen=True)
class Route:
    regex: str
    name: str | None  # "admin:index", "incident_detail" or None for an unnamed pattern
    namespace: str  # "" or "admin"
    converters: Mapping[str, object] = field(hash=False, compare=False)
    callback: object = field(hash=False, compare=False)

    @property
    def params(self) -> list[str]:
        """The keywords of the path, in order (regex groups without a converter included)."""
        return list(normalize(self.regex)[0][1])

    @property
    def id_params(self) -> list[str]:
        """Keywords that carry an object id: an int or uuid converter, or a name saying so."""
        return [
            p for p in self.params
            if isinstance(self.converters.get(p), IntConverter | UUIDConverter)
            or p in ("pk", "id") or p.endswith(("_pk", "_id"))
        ]

    @property
    def is_admin(self) -> bool:
        return self.namespace == "admin"

    @property
    def view(self):
        """The function behind the route, through functools.wraps and as_view()."""
        view = self.callback
        view = getattr(view, "view_class", None) or view
        return view

    @property
    def label(self) -> str:
        return self.name or self.regex

    def path(self, values: Mapping[str, object] | None = None) -> str:
        """'/incidents/7/drafts/voicemail/' from {'pk': 7, 'kind': 'voicemail'}."""
        values = values or {}
        fmt, params = normalize(self.regex)[0]
        missing = [p for p in params if p not in values]
        if missing:
            raise KeyError(f"{self.label}: no value for {missing}")
        return "/" + fmt % {p: quote(str(values[p]), safe="") for p in params}

    def __str__(self):
        return f"{self.label} ({self.regex})"


def _strip(regex: str) -> str:
    regex = regex.removeprefix("^")
    return regex


def routes(resolver: URLResolver | None = None) -> Iterator[Route]:
    """Every URLPattern under `resolver` (the root URLconf by default), depth first."""
    yield from _walk(resolver or get_resolver(), prefix="", namespace="", converters={})


def _walk(resolver: URLResolver, *, prefix: str, namespace: str, converters: dict):
    for entry in resolver.url_patterns:
        regex = prefix + _strip(entry.pattern.regex.pattern)
        conv = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix=regex, namespace=ns, converters=conv)
        elif isinstance(entry, URLPattern):
            name = entry.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(regex=regex, name=name, namespace=namespace, converters=conv,
                        callback=entry.callback)
        else:  # pragma: no cover - Django has only these two
            raise TypeError(f"Unknown URL entry {entry!r}")


def is_public(route: Route) -> bool:
    """A view reachable without logging in (LoginRequiredMiddleware skips it)."""
    return getattr(route.callback, "login_required", True) is False


def is_csrf_exempt(route: Route) -> bool:
    return getattr(route.callback, "csrf_exempt", False) is True

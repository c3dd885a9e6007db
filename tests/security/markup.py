"""What an HTML page must never contain when it shows what a person typed: an event-handler
attribute, an inline script, a `javascript:` URL, or a payload unescaped."""

from __future__ import annotations

from html.parser import HTMLParser

from django.utils.html import escape

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>: an event-handler attribute")
            if name in URL_ATTRIBUTES and value is not None:
                # Browsers ignore leading spaces and control characters in a URL's scheme.
                scheme = "".join(ch for ch in value if ch > " ").lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}>: a script URL")
        if tag == "script":
            attributes = dict(attrs)
            if not attributes.get("src") and attributes.get("type") != "application/json":
                self.problems.append("<script> without src: an inline script")

    handle_startendtag = handle_starttag


def markup_problems(html: str) -> list[str]:
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan.problems


def assert_shown_escaped(html: str, payload: str, where: str, *, shown: bool = True) -> None:
    """`payload` never appears raw (when escaping changes it), and appears escaped if `shown`;
    the page has no handler attribute, inline script or script URL whatever the payload."""
    problems = markup_problems(html)
    assert not problems, f"{where}: {problems}"
    escaped = escape(payload)
    # As an HTML serialiser writes text (only &, < and > escaped: the emails' HTML is
    # re-serialised when its CSS is inlined). Quotes matter only in attributes, which a
    # serialiser escapes; a payload with none of &, < and > is inert text either way.
    minimal = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if minimal != payload:
        assert payload not in html, f"{where}: the payload {payload!r} is in the page unescaped"
    if shown:
        assert escaped in html or minimal in html, (
            f"{where}: the payload {payload!r} is not shown (escaped)"
        )

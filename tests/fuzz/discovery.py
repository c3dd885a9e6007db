"""Find the forms to fuzz the way a browser would: GET every page of the URL configuration (for
incidents in every phase, every draft kind), read each `<form method="post">` and what a person
can send with it. A form is known by the URL it posts to, its fields and its submit button (a
button with a `formaction` posts the same fields to its own URL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.urls import Resolver404, resolve


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, hidden, select, radio, checkbox, number, date, ...
    value: str = ""
    required: bool = False
    maxlength: int | None = None
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    action: str  # path and query the form posts to
    page: str  # the page it was found on
    fields: dict[str, Field] = field(default_factory=dict)
    submit: tuple[str, str] | None = None  # the (name, value) of the pressed button
    method: str = "post"

    @property
    def route_name(self) -> str:
        return url_name(self.action)

    def key(self) -> tuple:
        return (self.route_name, tuple(sorted(self.fields)), self.submit)

    def __str__(self):
        button = f" [{self.submit[0]}={self.submit[1]}]" if self.submit else ""
        return f"{self.route_name}: POST {self.action}{button} ({', '.join(self.fields)})"


def url_name(url: str) -> str:
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return f"<no route: {path}>"
    return match.view_name or match.route


class _FormParser(HTMLParser):
    def __init__(self, page: str):  # every <form>, GET ones too, and links with a query
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[tuple[Form, list[tuple[str, str, str]]]] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._buttons: list[tuple[str, str, str]] = []  # (name, value, formaction)
        self._select: Field | None = None
        self._option: str | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and "?" in a.get("href", ""):
            self.links.append(urljoin(self.page, a["href"]))
        if tag == "form":
            self._form = Form(action=_action(self.page, a.get("action")),
                              page=self.page, method=a.get("method", "get").lower())
            self._buttons = []
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        submit = (tag == "input" and a.get("type", "text").lower() in ("submit", "image")) or (
            tag == "button" and a.get("type", "submit").lower() == "submit"
        )
        if submit:
            # A button that sends a value or posts to a URL of its own: a submission of its own.
            if name or a.get("formaction"):
                self._buttons.append((name or "", a.get("value", ""), a.get("formaction", "")))
            return
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                f = form.fields.setdefault(name, Field(name, kind, required="required" in a))
                f.options.append(a.get("value", "on"))
                if "checked" in a:
                    f.value = a.get("value", "on")
                return
            form.fields[name] = Field(name, kind, a.get("value", ""), "required" in a, maxlength)
        elif tag == "textarea" and name:
            self._textarea = form.fields[name] = Field(name, "textarea", "", "required" in a,
                                                       maxlength)
        elif tag == "select" and name:
            self._select = form.fields[name] = Field(name, "select", "", "required" in a,
                                                     multiple="multiple" in a)
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            if self._option is not None:
                self._select.options.append(self._option)
                if "selected" in a:
                    self._select.value = self._option

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append((self._form, self._buttons))
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _action(page: str, href: str | None) -> str:
    """The path and query a form (or a button's formaction) posts to, as found on `page`."""
    parts = urlsplit(urljoin(page, href or page))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_with_query(html: str, page: str) -> list[str]:
    """The site's own links that carry a query string (`?to=`, `?incident=`, `?page=`)."""
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    links = list(parser.links)
    for form, _ in parser.forms:
        if form.method == "get":  # a form that filters a page: the link it makes
            values = {n: f.value or next((o for o in f.options if o), "")
                      for n, f in form.fields.items()}
            links.append(urljoin(page, form.action.split("?")[0] + "?" + urlencode(values)))
    found = []
    for link in links:
        parts = urlsplit(link)
        if parts.netloc in ("", "testserver") and not url_name(link).startswith("<no route"):
            found.append(parts.path + "?" + parts.query)
    return found


def forms_in(html: str, page: str) -> list[Form]:
    """Every POST form of a page; a form with several named submit buttons, or buttons with a
    `formaction`, is one Form per button (the draft page's "Check my text" and "Record as sent",
    each posting the draft to its own URL)."""
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    found = []
    for form, buttons in parser.forms:
        if form.method != "post":
            continue
        if not buttons:
            found.append(form)
        for name, value, formaction in dict.fromkeys(buttons):
            action = _action(form.page, formaction) if formaction else form.action
            found.append(Form(action, form.page, dict(form.fields),
                              (name, value) if name else None))
    return found

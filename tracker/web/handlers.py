"""The one shape of the person's write views: fetch (owner-scoped, by the caller), a form, one
service, then POST/redirect/GET back to the incident page with a message; or, when the rules
refuse or a value is bad, the form again with the message and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tracker.incidents.services import TransitionRefused

REFUSALS = (TransitionRefused, ValidationError)


def refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def posted(request):
    """The posted data for a POST (bound even when empty), None for a GET."""
    return request.POST if request.method == "POST" else None


def back(incident_pk: int, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("incident_detail", args=[incident_pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def form_page(request, incident, *, title, form, action, anchor, template="web/form_page.html",
               **extra):
    """A write's form alone on a page: what a GET of the write URL shows, and where a refused
    or invalid POST comes back to, with what was typed."""
    ctx = {
        "incident": incident,
        "title": title,
        "form": form,
        "action": action,
        "back": reverse("incident_detail", args=[incident.pk]) + (f"#{anchor}" if anchor else ""),
        **extra,
    }
    return render(request, template, ctx)


def form_step(request, incident, *, form, call: Callable, success, anchor: str, title: str,
               url_name: str, url_arg=None, after: Callable | None = None, **page):
    """The shape of every write with a form: a valid POST runs `call(form)` (one service) and
    goes back to the incident page at `anchor` with the `success` message (a string, or a
    function of what the service returned); a refusal or a bad value comes back to the form
    with the message and what was typed; a GET shows the form alone on its page."""
    if request.method == "POST" and form.is_valid():
        try:
            done = call(form)
        except REFUSALS as exc:
            form.add_error(None, refusal(exc))
        else:
            messages.success(request, success(done) if callable(success) else success)
            return after(done) if after else back(incident.pk, anchor)
    action = reverse(url_name, args=[incident.pk if url_arg is None else url_arg])
    return form_page(request, incident, title=title, form=form, action=action, anchor=anchor,
                      **page)


def incident_write(request, incident, service: Callable, now: datetime | None = None):
    """The `call` of `form_step` for a service of the incident that takes the person, `now` and
    the form's `service_kwargs()`."""
    return lambda form: service(
        incident=incident, actor=request.user, now=now or timezone.now(),
        **form.service_kwargs(),
    )


def button_step(request, incident_pk: int, *, call: Callable, success, anchor: str):
    """The shape of every button: POST only (a GET goes to the incident page); a refusal is
    shown there as a message."""
    if request.method == "POST":
        try:
            done = call()
        except REFUSALS as exc:
            messages.error(request, refusal(exc))
        else:
            messages.success(request, success(done) if callable(success) else success)
    return back(incident_pk, anchor)


def button_view(fetch: Callable, service: Callable, *, on: str, anchor: str, success):
    """The whole view of a button that needs nothing but the object it acts on: `fetch` it
    (owner-scoped, a 404 for anyone else's), then `button_step` running
    `service(<on>=it, actor=the person, now=now)`; `on` is "incident" or the name of an object
    of one incident ("reschedule")."""

    @require_http_methods(["GET", "POST"])
    def view(request, pk):
        obj = fetch(user=request.user, pk=pk)
        return button_step(
            request, obj.pk if on == "incident" else obj.incident_id, anchor=anchor,
            call=lambda: service(**{on: obj}, actor=request.user, now=timezone.now()),
            success=success,
        )

    view.__name__ = view.__qualname__ = service.__name__
    view.__doc__ = f"The button running services.{service.__name__}."
    return view

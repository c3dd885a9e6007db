"""The draft pages: every message of the composer, filled from the incident, to edit, check,
copy, open in the mail client and record as sent.

The page (GET) reads the incident (owner-scoped), turns it into the composer's plain facts, and
hands them to the pure composer and check with `now` (draft_pages). Where a draft needs a fact
that is missing, the page asks for it with a small form. Each thing the page does is its own
URL and view, a POST of one shape: the owner's incident, a form, one service call, then a
redirect to a page, or the draft page again with the message and what was typed (draft_check,
draft_record, and one view per fact: draft_name, draft_contact, draft_slots, draft_topic,
draft_material). Everything works without JavaScript; static/js/draft.js only re-runs the check
(draft_check) as the person types.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from tracker.accounts.services import profile_update
from tracker.incidents import phases, selectors, services
from tracker.messaging import composer
from tracker.messaging.check import check

from . import draft_forms as df
from .draft_pages import (
    Page,
    Selection,
    draft_data,
    draft_groups,
    fact_form,
    incident_and_info,
    mailto,
    page_for,
    render_page,
)
from .handlers import REFUSALS, refusal

# --- The index ---------------------------------------------------------------------------


@require_safe
def drafts(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    data = draft_data(incident, user=request.user)
    return render(
        request,
        "web/drafts.html",
        {
            "incident": incident,
            "kinds": list(composer.KINDS.values()),
            "front_kinds": (groups := draft_groups(data.phase_facts))[0],
            "more_kinds": groups[1],
            "suggested": phases.suggested_draft(data.phase_facts),
        },
    )


# --- One draft ---------------------------------------------------------------------------


@require_safe
def draft(request, pk, kind):
    """The draft page. Its forms post to the jobs below, each at its own URL."""
    return render_page(request, page_for(request, pk, kind))


# --- The jobs of the draft page: one URL each ----------------------------------------------


def _job(view):
    """A job of the draft page takes a POST. A GET of its URL (a bookmark, or the log-in page
    sending the person back after their session ran out mid-post) goes to the draft page,
    after the same owner check: another person's incident is a 404 either way."""

    @require_http_methods(["GET", "POST"])
    @wraps(view)
    def job(request, pk, kind):
        if request.method == "POST":
            return view(request, pk, kind)
        incident, info = incident_and_info(request, pk, kind)
        params = {k: request.GET[k] for k in ("to", "variant") if request.GET.get(k)}
        query = f"?{urlencode(params)}" if params else ""
        return redirect(reverse("draft", args=[incident.pk, info.slug]) + query)

    return job


def _typed(request, form: df.DraftForm) -> tuple[str, str]:
    """The subject and text as the person typed them: cleaned when the form is valid (one kind
    of line break), as posted when not."""
    if form.is_valid():
        return form.cleaned_data.get("subject", ""), form.cleaned_data["body"]
    return request.POST.get("subject", ""), request.POST.get("body", "")


@_job
def draft_check(request, pk, kind):
    """Check the text as edited: the page again with the findings (nothing is saved), or the
    findings as JSON for the live check of static/js/draft.js."""
    page = page_for(request, pk, kind)
    form = df.DraftForm(request.POST, kind=page.info)
    subject, text = _typed(request, form)
    if "application/json" in request.headers.get("Accept", ""):
        findings = check(text, kind=page.info.slug)
        return JsonResponse(
            {
                "findings": [
                    {"rule": f.rule, "title": f.title, "sentence": f.sentence, "why": f.why,
                     "fix": f.fix}
                    for f in findings
                ],
                "mailto": mailto(page, subject, text),
                "words": len(text.split()),
                "errors": form.errors.get_json_data() if form.errors else {},
            }
        )
    return render_page(request, page, form=form, typed=(subject, text), checked=True)


@_job
def draft_record(request, pk, kind):
    """Record the draft as sent (or the call made) with the text as edited."""
    page = page_for(request, pk, kind)
    incident, info = page.incident, page.info
    form = df.DraftForm(request.POST, kind=info)
    subject, text = _typed(request, form)
    form_error = ""
    if form.is_valid():
        result = form.outreach_result()
        if not result:
            form.add_error("result", "Say whether anyone answered.")
        else:
            try:
                outreach = services.outreach_record(
                    incident=incident,
                    channel=info.channel,
                    result=result,
                    purpose=info.purpose,
                    contact=page.to,
                    subject=subject if info.is_email else "",
                    text=text,
                    actor=request.user,
                    now=page.now,
                )
            except REFUSALS as exc:
                form_error = refusal(exc)
            else:
                incident.refresh_from_db()
                messages.success(
                    request,
                    f"Recorded: {outreach.get_purpose_display().lower()} "
                    f"({outreach.get_channel_display().lower()}). "
                    f"Phase: {incident.get_phase_display()}.",
                )
                return redirect("drafts", pk=incident.pk)
    return render_page(request, page, form=form, typed=(subject, text), form_error=form_error)


# --- Saving a fact the draft asks for: one URL each ----------------------------------------


def _fact_job(step: str, *, success: str | Callable, readdress: bool = False):
    """A view saving the fact `step` from its small form: the decorated function makes the one
    service call (given the request, the page and the valid form). Then back to the draft, now
    written with the fact (`readdress`: to the contact the call returned, just added), with the
    `success` message (a string, or a function of what the call returned); or, when a value is
    bad or the service refuses, the page again with the message and what was typed. A fact the
    draft does not ask for (any more: saved from another tab, or the form sent twice) is not
    saved, so nothing is saved twice."""

    def decorate(save: Callable[..., object]):
        @_job
        @wraps(save)
        def view(request, pk, kind):
            page = page_for(request, pk, kind)
            form = fact_form(page, step, request.POST)
            if form is None:
                messages.info(request, "This draft does not ask for that now; nothing was saved.")
                return redirect(page.url())
            if form.is_valid():
                try:
                    saved = save(request, page, form)
                except REFUSALS as exc:
                    form.add_error(None, refusal(exc))
                else:
                    messages.success(request, success(saved) if callable(success) else success)
                    to = saved if readdress else page.selection.to
                    return redirect(page.url(selection=Selection(to, page.selection.variant)))
            return render_page(request, page, fact=(step, form))

        return view

    return decorate


@_fact_job(df.NAME, success="Saved your name.")
def draft_name(request, page: Page, form):
    """Save the person's name (and phone) to their profile, to sign the draft."""
    p = page.data.profile
    profile_update(
        profile=p, full_name=form.cleaned_data["full_name"],
        phone=form.cleaned_data["phone"] or p.phone, time_zone=p.time_zone,
        partner_email=p.partner_email, reminders_off=p.reminders_off or [], now=page.now,
    )


@_fact_job(df.CONTACT, success=lambda contact: f"Added {contact.name}.", readdress=True)
def draft_contact(request, page: Page, form):
    """Add the contact the draft is written to; the draft is then addressed to them."""
    return services.contact_save(
        owner=request.user, incident=page.incident, now=page.now, **form.cleaned_data
    )


@_fact_job(df.SLOTS, success="Saved the times you propose.")
def draft_slots(request, page: Page, form):
    """Propose two or three new times: the reschedule request the draft offers."""
    services.reschedule_request(
        incident=page.incident, slots=form.cleaned_slots(), actor=request.user, now=page.now
    )


@_fact_job(df.TOPIC, success="Saved the topic.")
def draft_topic(request, page: Page, form):
    """Save the topic of the conversation, for the thank-you note to name."""
    services.incident_update(
        incident=page.incident, actor=request.user, now=page.now,
        thank_you_topic=form.cleaned_data["thank_you_topic"],
    )


@_fact_job(df.MATERIAL, success="Added what you promised.")
def draft_material(request, page: Page, form):
    """Add what the person promised to send, for the cover note to list."""
    services.material_add(
        incident=page.incident, actor=request.user, now=page.now,
        description=form.cleaned_data["description"], due_on=form.cleaned_data.get("due_on"),
    )

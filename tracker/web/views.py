"""The person's pages: dashboard, "I missed an interview", the incident page with its small
write views, and the history.

Every object is fetched through a `selectors.*_get_for_user` (another person's object is a 404
for reading and writing). Every write is a POST handled by one service call, then a redirect
back to the incident page with a message (POST/redirect/GET), in the one shape of `handlers`.
The incident's small writes are in `write_views`. Views read the clock and hand `now` to the
services. What the pages show is built by `presenter` from the incident's situation.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from tracker.accounts import limits  # issue 12: incidents per day
from tracker.incidents import phases, selectors, services
from tracker.incidents.models import Incident, Safeguard
from tracker.incidents.services import TransitionRefused
from tracker.reminders.selectors import reminders_panel

from . import forms, presenter, visitor_views
from .handlers import REFUSALS, back, form_step, posted, refusal

DASHBOARD_PAGE_SIZE = 50


# --- Dashboard -----------------------------------------------------------------------------


@login_not_required
@require_safe
def dashboard(request):
    if not request.user.is_authenticated:
        # Issue 11: a visitor starts with "I just missed an interview", no account first.
        return visitor_views.start(request)
    now = timezone.now()
    paginator = Paginator(
        selectors.open_incidents_for_dashboard(user=request.user), DASHBOARD_PAGE_SIZE
    )
    paginator.count = selectors.open_incident_count(user=request.user)
    page = paginator.get_page(request.GET.get("page"))
    groups: dict[str, list[presenter.DashboardRow]] = {p: [] for p in phases.OPEN_PHASES}
    for situation in selectors.dashboard_situations(page.object_list):
        row = presenter.dashboard_row(situation, now)
        groups.setdefault(situation.incident.phase, []).append(row)
    labels = dict(Incident.Phase.choices)
    return render(
        request,
        "web/dashboard.html",
        {"page": page, "groups": [(p, labels[p], rows) for p, rows in groups.items() if rows]},
    )


# --- "I missed an interview" and its details ------------------------------------------------


@require_http_methods(["GET", "POST"])
def incident_log(request):
    now = timezone.now()
    if request.method == "POST":
        form = forms.IncidentLogForm(request.POST, now=now)
        if form.is_valid():
            try:
                # Issue 12: a daily allowance of incidents per person (accounts/limits.py).
                limits.check_and_count("incident", account=request.user.pk, now=now)
                incident = services.incident_log(
                    owner=request.user, now=now, **form.service_kwargs()
                )
            except REFUSALS as exc:
                form.add_error(None, refusal(exc))
            else:
                messages.success(
                    request,
                    "Logged. The first hour counts: call, leave a voicemail or send the apology "
                    "email now.",
                )
                return back(incident.pk)
    else:
        # Issue 11: the interview's zone is asked, never defaulted to the person's own (the
        # trap of a time-zone slip); the person's zone is theirs from the profile.
        form = forms.IncidentLogForm(
            now=now, initial={"candidate_tz": request.user.profile.time_zone}
        )
    return render(request, "web/incident_log.html", {
        "form": form,
        # Read by web/zones.js to prefill the interview's zone (an attribute: no inline script).
        "known_contacts": json.dumps(selectors.known_contact_zones(user=request.user)),
    })


@require_http_methods(["GET", "POST"])
def incident_edit(request, pk):
    """'Edit details': company, role, the interview's local time and zones, format, cause,
    notes. A closed incident is refused by the service (reopen it first)."""
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    now = timezone.now()
    if request.method == "GET":
        try:
            phases.require_open(selectors.situation_for(incident).facts, "edit its details")
        except TransitionRefused as exc:
            messages.warning(request, str(exc))
    form = forms.IncidentEditForm(
        posted(request), now=now, initial=forms.IncidentEditForm.initial_for(incident)
    )
    return form_step(
        request, incident, form=form, anchor="", title="Edit details", url_name="incident_edit",
        call=lambda f: services.incident_update(
            incident=incident, actor=request.user, now=now, **f.service_kwargs()
        ),
        success="Details saved.", zones=True,
    )


# --- The incident page ---------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def incident_detail(request, pk):
    # A long record shows its latest outreach and events; ?all=1 shows every one.
    recent = None if request.GET.get("all") == "1" else selectors.RECENT_LIMIT
    incident = selectors.incident_detail(user=request.user, pk=pk, recent=recent)
    if request.method == "POST":
        # Ownership first: another person's incident is a 404 whatever the method.
        return HttpResponseNotAllowed(["GET", "HEAD"])
    situation = selectors.situation_of(incident)
    panel = reminders_panel(situation=situation)
    context = presenter.incident_page(
        situation, timezone.now(), recent=recent, reminders=panel
    )
    return render(request, "web/incident_detail.html", context)


# --- History -------------------------------------------------------------------------------


@require_safe
def history(request):
    h = selectors.history_for_user(user=request.user)
    by_label = {label: value for value, label in Incident.Cause.choices}
    safeguard_labels = dict(Safeguard.Kind.choices)
    repeats = [
        {
            "label": label,
            "n": n,
            "safeguards": [
                safeguard_labels.get(k, k)
                for k in phases.safeguards_for(cause=by_label.get(label, ""), format="")[:3]
            ],
        }
        for label, n in h.repeated_causes
    ]
    median = h.median_minutes_to_first_outreach
    return render(
        request,
        "web/history.html",
        {"h": h, "repeats": repeats, "median": round(median) if median is not None else None},
    )

"""The visitor's pages (no account): "I just missed an interview", the three first-hour drafts
at once, and the zone search the forms use. See `visitor`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from . import forms, visitor, zone_search
from .fields import wall_time_in


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def start(request):
    """The start page of a visitor: what happened, then the drafts. A person who is logged in
    logs the miss on their own page."""
    if request.user.is_authenticated:
        return redirect("incident_log")
    now = timezone.now()
    if request.method == "POST":
        form = forms.VisitorForm(request.POST, now=now)
        if form.is_valid():
            visitor.remember(request.session, form.cleaned_data, now=now)
            return redirect("visitor_drafts")
    else:
        visit = visitor.recall(request.session)
        initial = {}
        if visit is not None:  # "Change what I typed"
            initial = {
                "full_name": visit.full_name,
                "company": visit.company,
                "role": visit.role,
                "contact_name": visit.contact_name,
                "interview_tz": visit.interview_tz,
                "candidate_tz": visit.candidate_tz,
                "cause": visit.cause,
                "interview_at": wall_time_in(visit.interview_at, visit.interview_tz),
            }
        form = forms.VisitorForm(now=now, initial=initial)
    return render(request, "web/visitor_start.html", {"form": form})


@login_not_required
@require_safe
def drafts(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    visit = visitor.recall(request.session)
    if visit is None:
        return redirect("visitor_start")
    now = timezone.now()
    return render(
        request,
        "web/visitor_drafts.html",
        {"visit": visit, "drafts": visitor.drafts(visit, now=now), "now": now},
    )


@login_not_required
@require_safe
def zones_json(request):
    """`/zones/?q=berlin`: the IANA zones of a city or a country typed into a zone field."""
    matches = zone_search.search(request.GET.get("q", ""))
    response = JsonResponse({"results": [m.as_json() for m in matches]})
    response["Cache-Control"] = "public, max-age=86400"
    return response

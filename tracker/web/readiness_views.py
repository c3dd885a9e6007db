"""Issue 15: the "I'm ready" and "I've re-confirmed" links of the 1 h and 24 h reminders,
answered without a login. A GET only asks (mail scanners and link previews open GETs); the
button POSTs, records through the incident service, and comes back to the page (POST/redirect/
GET), which then says when it was recorded. The signed token (tracker/reminders/readiness.py)
is what proves the click came from the email: it names the incident, the time's version and
its purpose, and expires."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tracker.incidents.models import Incident
from tracker.incidents.phases import TransitionRefused
from tracker.incidents.selectors import situation_for
from tracker.incidents.services.readiness import interview_readiness_record
from tracker.reminders import readiness
from tracker.signing import BadToken
from tracker.zones import format_local, in_zones


def _invalid(request, message: str):
    return render(request, "web/readiness.html", {"invalid": message}, status=404)


@login_not_required
@require_http_methods(["GET", "POST"])
def interview_readiness(request, token: str, purpose: str):
    now = timezone.now()
    try:
        claim = readiness.read_token(purpose, token, now=now)
    except BadToken as exc:
        return _invalid(request, str(exc))
    incident = Incident.objects.filter(pk=claim.incident_id).first()
    if incident is None:
        return _invalid(request, readiness.INVALID)
    if request.method == "POST":
        try:
            recorded = interview_readiness_record(
                incident=incident,
                reschedule_id=claim.reschedule_id,
                version=claim.version,
                what=claim.purpose,
                now=now,
            )
        except TransitionRefused as exc:
            messages.error(request, str(exc))
        else:
            if not recorded.already:
                messages.success(
                    request,
                    "Recorded. Thank you."
                    if purpose == readiness.READY
                    else "Recorded: you re-confirmed with them.",
                )
        return redirect(request.path)
    situation = situation_for(incident)
    interview = situation.interview
    current = (
        interview is not None
        and interview.pk == claim.reschedule_id
        and interview.version == claim.version
    )
    recorded_at = None
    if current:
        recorded_at = (
            interview.ready_at
            if purpose == readiness.READY and interview.is_ready
            else interview.reconfirmed_at
            if purpose == readiness.RECONFIRMED and interview.is_reconfirmed
            else None
        )
    context = {
        "claim": claim,
        "company": incident.company,
        "role": incident.role,
        "current": current and situation.is_open,
        "times": [
            str(z) for z in in_zones(interview.start, situation.person_tz, situation.interviewer_tz)
        ]
        if current
        else [],
        "recorded_at": format_local(recorded_at, situation.person_tz) if recorded_at else "",
        "ready": purpose == readiness.READY,
    }
    return render(request, "web/readiness.html", context)

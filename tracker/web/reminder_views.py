"""The person's reminder actions: a test reminder now, and the confirmed interview as .ics."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from tracker.incidents.selectors import incident_get_for_user, situation_for
from tracker.messaging import calendar
from tracker.reminders import services


def _back(incident):
    return redirect(reverse("incident_detail", args=[incident.pk]) + "#reminders")


@require_POST
def reminder_test(request, pk):
    incident = incident_get_for_user(user=request.user, pk=pk)
    try:
        services.reminder_send_test(incident=incident, now=timezone.now())
    except services.ReminderRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"A test reminder is on its way to {request.user.email}. It shows below."
        )
    return _back(incident)


@require_GET
def incident_ics(request, pk):
    incident = incident_get_for_user(user=request.user, pk=pk)
    situation = situation_for(incident)
    if situation.interview is None:
        raise Http404("No interview is confirmed yet.")
    ics = calendar.interview_ics(
        situation.interview, incident=incident, person_tz=situation.person_tz
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    name = slugify(f"interview {incident.company}") or "interview"
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response

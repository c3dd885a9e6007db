"""The person's reminder actions: a test reminder now, and the confirmed interview as .ics."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from tracker.incidents.selectors import incident_get_for_user, situation_for
from tracker.reminders import services
from tracker.reminders.mail import calendar_copy


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
    # The confirmed interview, or after a call-off the cancelled event (same UID, METHOD:CANCEL)
    # so that a calendar that imports it drops the event.
    copy = calendar_copy(situation_for(incident), now=timezone.now())
    if copy is None:
        raise Http404("No interview is confirmed yet.")
    ics, method = copy
    response = HttpResponse(ics, content_type=f"text/calendar; charset=utf-8; method={method}")
    name = slugify(f"interview {incident.company}") or "interview"
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response

"""Issue 15: "Test my alarms" on the safeguards: start a test, download its .ics, say whether
it rang."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tracker.incidents.selectors import incident_get_for_user
from tracker.incidents.services.alarm_test import alarm_at, alarm_test_answer, alarm_test_start
from tracker.reminders import alarm_test
from tracker.signing import BadToken
from tracker.zones import format_local

from .handlers import back, button_step

ANCHOR = "safeguards"


@require_http_methods(["GET", "POST"])
def alarm_test_begin(request, pk):
    incident = incident_get_for_user(user=request.user, pk=pk)
    return button_step(
        request,
        incident.pk,
        anchor=ANCHOR,
        call=lambda: alarm_test_start(incident=incident, now=timezone.now(), actor=request.user),
        success=lambda i: (
            "Test event made: add it to your calendar now (the .ics below, or wait for your "
            f"subscribed feed). Its alarm rings at {format_local(alarm_at(i), i.candidate_tz)}."
        ),
    )


@require_http_methods(["GET", "POST"])
def alarm_test_result(request, pk):
    incident = incident_get_for_user(user=request.user, pk=pk)
    result = request.POST.get("result")
    if request.method == "POST" and result not in ("rang", "silent"):
        messages.error(request, "Nothing changed: use one of the buttons.")
        return back(incident.pk, ANCHOR)
    return button_step(
        request,
        incident.pk,
        anchor=ANCHOR,
        call=lambda: alarm_test_answer(
            incident=incident, rang=result == "rang", now=timezone.now(), actor=request.user
        ),
        success=lambda i: (
            "It works: “Alarms on two devices” is ticked."
            if i.alarm_test_result == "rang"
            else "Recorded. See what to check below, then test again."
        ),
    )


@require_GET
def alarm_test_ics(request, token):
    try:
        incident_id, at = alarm_test.read(token)
    except BadToken as exc:
        raise Http404("No such test.") from exc
    incident = incident_get_for_user(user=request.user, pk=incident_id)
    if incident.alarm_test_at is None or int(incident.alarm_test_at.timestamp()) != int(
        at.timestamp()
    ):
        raise Http404("This test was replaced by a newer one.")
    response = HttpResponse(
        alarm_test.ics_for(incident), content_type="text/calendar; charset=utf-8; method=PUBLISH"
    )
    response["Content-Disposition"] = 'attachment; filename="alarm-test.ics"'
    return response

"""The reminders panel on the incident page: every reminder with its kind, due time in the
person's zone, status and reason, the "send me a test reminder now" button and the .ics link.
One query: the rows with their reschedules (which also say whether an interview is confirmed).
"""

from django import template

from tracker.zones import format_local
from tracker.reminders.models import Reminder

register = template.Library()

Status = Reminder.Status
BADGES = {
    Status.PENDING: "text-bg-primary",
    Status.SENDING: "text-bg-info",
    Status.SENT: "text-bg-success",
    Status.FAILED: "text-bg-danger",
    Status.CANCELLED: "text-bg-secondary",
    Status.EXPIRED: "text-bg-warning",
    Status.SKIPPED: "text-bg-light",
}


@register.inclusion_tag("web/_reminders_panel.html", takes_context=True)
def reminders_panel(context, incident):
    zone = incident.candidate_tz or "UTC"
    rows = []
    confirmed = None
    for r in Reminder.objects.filter(incident=incident).select_related("reschedule").order_by(
        "due_at", "pk"
    ):
        res = r.reschedule
        if (
            res is not None
            and res.confirmed_at is not None
            and res.cancelled_at is None
            and res.version == r.version
        ):
            confirmed = res
        if r.status == Status.FAILED:
            note = r.last_error
        elif r.status == Status.PENDING and r.last_error:
            note = f"Retrying: {r.last_error}"
        else:
            note = r.reason
        rows.append(
            {
                "kind": r.get_kind_display(),
                "due": format_local(r.sent_at or r.due_at, zone),
                "status": r.status,
                "status_label": r.get_status_display(),
                "badge": BADGES.get(r.status, "text-bg-light"),
                "note": note,
                "sent": r.status == Status.SENT,
            }
        )
    return {
        "incident": incident,
        "reminders": rows,
        "zone": zone,
        "has_interview": confirmed is not None,
        "can_test": incident.phase != incident.Phase.CLOSED,
        "csrf_token": context.get("csrf_token"),
    }

"""Issue 15: what the alarm self-test shows on the safeguards (no query: the incident's own
fields)."""

from django import template

from tracker.incidents.services.alarm_test import CHECKS, alarm_at
from tracker.reminders import alarm_test

register = template.Library()


@register.simple_tag
def alarm_test_state(incident, now=None):
    """The test as the page shows it: None without one."""
    if incident is None or incident.alarm_test_at is None:
        return None
    from django.utils import timezone

    now = now or timezone.now()
    rings = alarm_at(incident)
    return {
        "starts_at": incident.alarm_test_at,
        "rings_at": rings,
        "ics_path": alarm_test.ics_path(incident),
        "result": incident.alarm_test_result,
        "can_answer": now >= rings,
        "over": now >= incident.alarm_test_at,
        "checks": CHECKS,
    }

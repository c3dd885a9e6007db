"""What follows a sent reminder (issue 15): once the 1 h reminder has gone out, the incident is
re-planned so that the "not ready yet" escalation exists (planning wants it only after the 1 h
reminder was sent and while "I'm ready" has not been clicked).

Connected in `RemindersConfig.ready()`. It runs inside the dispatcher's transaction (the sent
mark and the new rows commit together), in a savepoint of its own: a failure here is logged and
never undoes the sent mark."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from . import planning
from .services import reminders_sync
from .signals import reminder_sent

log = logging.getLogger(__name__)

# The kinds whose sending changes the plan.
REPLAN_AFTER = (planning.BEFORE_1H,)


@receiver(reminder_sent, dispatch_uid="tracker.reminders.replan_after_sent")
def replan_after_sent(sender, *, reminder, incident, now, situation=None, **kwargs) -> None:
    if reminder.kind not in REPLAN_AFTER:
        return
    try:
        with transaction.atomic():
            # The dispatcher's situation: read fresh under the incident's share lock just
            # before the send, so it is not read again (only the reminder rows changed since).
            reminders_sync(incident=incident, now=now, situation=situation)
    except Exception:  # the email is out and marked; only the follow-up plan is missing
        log.warning(
            "Reminder %s: could not plan what follows it; trying again after the commit",
            reminder.pk,
            exc_info=True,
        )
        incident_id, reminder_id = incident.pk, reminder.pk
        transaction.on_commit(lambda: replan_again(incident_id, reminder_id))


def replan_again(incident_id: int, reminder_id: int) -> None:
    """The second try, in a transaction of its own once the sent mark is committed (a lock
    held by a move, say, has been let go by then)."""
    from tracker.incidents.models import Incident

    try:
        with transaction.atomic():
            incident = Incident.objects.filter(pk=incident_id).first()
            if incident is not None:
                reminders_sync(incident=incident, now=timezone.now())
    except Exception:
        log.exception("Reminder %s: could not plan what follows it", reminder_id)

"""Thin Celery tasks. The beat tick carries no data: the Reminder rows are the truth, so a tick
that is lost, doubled or redelivered changes nothing but timing. No eta or countdown here."""

import logging

from celery import shared_task

from . import dispatch

log = logging.getLogger(__name__)


# Acknowledged when it starts (acks_late off): a tick is not precious (the rows are the truth),
# and an unacknowledged tick is what a worker must restore when Redis goes away mid-dispatch,
# the step that crashed workers (kombu's restore on a dead connection).
@shared_task(
    name="tracker.reminders.tasks.dispatch_due",
    ignore_result=True,
    acks_late=False,
    reject_on_worker_lost=False,
)
def dispatch_due() -> dict:
    result = dispatch.run()
    if result.batches:
        log.info(
            "Reminders: %d sent, %d retrying, %d failed, %d cancelled, %d expired, %d released",
            result.sent, result.retrying, result.failed, result.cancelled, result.expired,
            result.released,
        )
    return {"sent": result.sent, "failed": result.failed, "retrying": result.retrying}

"""Thin Celery tasks of the privacy app: build a large export; the periodic sweep that erases
the contact details of incidents closed longer than the retention period, drops the content of
expired exports and builds any export no worker took."""

import logging

from celery import shared_task
from django.utils import timezone

from . import retention, services

log = logging.getLogger(__name__)

BUILD_EXPORT = "tracker.privacy.tasks.build_export"
RETENTION_SWEEP = "tracker.privacy.tasks.retention_sweep"


@shared_task(name=BUILD_EXPORT, ignore_result=True)
def build_export(export_id: int) -> None:
    services.export_build(export_id=export_id, now=timezone.now())


@shared_task(name=RETENTION_SWEEP, ignore_result=True)
def retention_sweep() -> dict:
    now = timezone.now()
    totals = retention.retention_erase(now=now)
    totals["exports_expired"] = services.exports_expire(now=now)
    for export_id in services.exports_stale(now=now):
        try:
            services.export_build(export_id=export_id, now=now)
        except Exception:  # logged by export_build; the others still get built
            log.warning("Export %s could not be built by the sweep", export_id)
    return totals

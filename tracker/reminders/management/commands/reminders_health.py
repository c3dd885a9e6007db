"""`manage.py reminders_health`: exit 1 when due reminders sit unsent past two dispatcher ticks
while no dispatcher moves any (the worker's container healthcheck, so that an orchestrator
restarts a stuck worker)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.reminders.selectors import stuck_reminders


class Command(BaseCommand):
    help = "Fail when due reminders are not being sent."

    def handle(self, *args, **options):
        stuck = stuck_reminders(now=timezone.now(), tick_seconds=settings.REMINDER_TICK_SECONDS)
        if stuck:
            raise CommandError(f"{stuck} due reminder(s) are not being sent.")
        self.stdout.write("ok")

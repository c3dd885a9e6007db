"""Staff review of reminders: what was planned, sent, skipped or failed, and why. Rows are
written only through services (retry, cancel); everything else is read-only here."""

from django.contrib import admin, messages
from django.utils import timezone

from . import services
from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = (
        "id", "kind", "status", "due_at", "company", "person", "attempts", "sent_at",
        "short_reason",
    )
    list_filter = ("status", "kind")
    search_fields = (
        "incident__company",
        "incident__role",
        "incident__owner__username",
        "incident__owner__email",
        "incident__owner__profile__full_name",
        "message_id",
    )
    list_select_related = ("incident__owner__profile",)
    date_hierarchy = "due_at"
    raw_id_fields = ("incident", "reschedule")
    ordering = ("-due_at", "-pk")
    actions = ("retry_failed", "cancel_pending")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewable, never edited by hand: retry and cancel go through services.
        return False

    @admin.display(description="company", ordering="incident__company")
    def company(self, obj):
        return obj.incident.company

    @admin.display(description="person", ordering="incident__owner__username")
    def person(self, obj):
        return obj.incident.owner.profile.display_name

    @admin.display(description="reason or error")
    def short_reason(self, obj):
        return (obj.last_error if obj.status == Reminder.Status.FAILED else obj.reason)[:80]

    @admin.action(description="Retry the selected failed reminders")
    def retry_failed(self, request, queryset):
        requeued, too_late = services.reminders_retry(reminders=queryset, now=timezone.now())
        self.message_user(request, f"{requeued} failed reminder(s) queued again.")
        if too_late:
            self.message_user(
                request,
                f"{too_late} reminder(s) are past their expiry and stay failed: "
                "a late reminder would mislead.",
                level=messages.WARNING,
            )

    @admin.action(description="Cancel the selected pending reminders")
    def cancel_pending(self, request, queryset):
        n = services.reminders_cancel(reminders=queryset, now=timezone.now())
        self.message_user(request, f"{n} pending reminder(s) cancelled.")

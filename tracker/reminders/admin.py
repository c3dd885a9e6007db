"""Staff review of reminders: what was planned, sent, skipped or failed, and why. Rows are
written only through services (retry, cancel, restore in reminders/staff.py); everything else
is read-only here.

Cancel, retry and restore need `reminders.change_reminder`: staff with only the view permission
are not offered them and get a 403 if they post one anyway (issue 12). Each asks why first, and
is recorded with who, when and why in the admin log and on the incident's timeline."""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from . import staff
from .models import Reminder

# The admin actions that write, and the permission each needs.
STAFF_ACTIONS = {
    "retry_failed": "reminders.change_reminder",
    "cancel_pending": "reminders.change_reminder",
    "restore_cancelled": "reminders.change_reminder",
}
REASON_MAX = 300


def _staff_action(name: str, description: str, **how):
    """The admin action `name` (one of STAFF_ACTIONS): `ReminderAdmin._act` with `how`, the
    question and button of its confirmation page, the service it runs, the verb it logs and
    `report`, which turns what the service returned into (level, message) pairs."""

    @admin.action(description=description, permissions=["act"])
    def action(modeladmin, request, queryset):
        return modeladmin._act(request, queryset, name=name, **how)

    action.__name__ = name
    return action


def _retried(done):
    requeued, too_late = done
    yield messages.INFO, f"{len(requeued)} failed reminder(s) queued again."
    if too_late:
        yield messages.WARNING, (f"{too_late} reminder(s) are past their expiry and stay failed: "
                                 "a late reminder would mislead.")


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
    actions = ("retry_failed", "cancel_pending", "restore_cancelled")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewable, never edited by hand: retry, cancel and restore go through services.
        return False

    def has_act_permission(self, request):
        """For the actions' `permissions=["act"]`: the model's change permission, although
        the change form itself stays closed."""
        return request.user.has_perm("reminders.change_reminder")

    def changelist_view(self, request, extra_context=None):
        # A writing action posted by someone without the permission: refused outright, not
        # turned into "no action selected" by the admin (whose form no longer lists it).
        if request.method == "POST":
            action = request.POST.get("action", "")
            needed = STAFF_ACTIONS.get(action)
            if needed and not request.user.has_perm(needed):
                raise PermissionDenied
        return super().changelist_view(request, extra_context)

    @admin.display(description="company", ordering="incident__company")
    def company(self, obj):
        return obj.incident.company

    @admin.display(description="person", ordering="incident__owner__username")
    def person(self, obj):
        return obj.incident.owner.profile.display_name

    @admin.display(description="reason or error")
    def short_reason(self, obj):
        return (obj.last_error if obj.status == Reminder.Status.FAILED else obj.reason)[:80]

    # The actions ------------------------------------------------------------------------

    def _reason_or_ask(self, request, queryset, *, action, question, button):
        """The reason given on the confirmation page, or that page (again, if it was empty)."""
        if not self.has_act_permission(request):
            raise PermissionDenied
        reason = " ".join(request.POST.get("reason", "").split())[:REASON_MAX]
        if request.POST.get("apply") and reason:
            return reason, None
        page = TemplateResponse(request, "admin/reminders/staff_action.html", {
            **self.admin_site.each_context(request),
            "title": question,
            "question": question,
            "rows": list(queryset[:500]),
            "action": action,
            "button": button,
            "reason": reason,
            "error": "Say why, in a few words." if request.POST.get("apply") else "",
            "back": reverse("admin:reminders_reminder_changelist"),
            "opts": self.model._meta,
        })
        return None, page

    def _log(self, request, rows, verb: str, reason: str):
        """One admin log entry per row: who (the user) and when (action_time) by Django,
        what and why in the message."""
        if rows:
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=rows,
                action_flag=CHANGE,
                change_message=f"{verb}. Why: {reason}",
                single_object=len(rows) == 1,
            )

    def _act(self, request, queryset, *, name, question, button, service, logged, report):
        """A staff action: ask why (returning the confirmation page while there is no reason),
        then run the service, log each row it changed and tell the user what happened."""
        reason, page = self._reason_or_ask(
            request, queryset, action=name, question=question, button=button
        )
        if page is not None:
            return page
        done = service(reminders=queryset, actor=request.user, reason=reason, now=timezone.now())
        self._log(request, done[0] if isinstance(done, tuple) else done, logged, reason)
        for level, text in report(done):
            self.message_user(request, text, level=level)
        return None

    retry_failed = _staff_action(
        "retry_failed", "Retry the selected failed reminders",
        question="Queue these failed reminders again?", button="Retry them",
        service=staff.reminders_staff_retry, logged="Queued again by staff", report=_retried,
    )
    cancel_pending = _staff_action(
        "cancel_pending", "Cancel the selected pending reminders",
        question="Cancel these pending reminders?", button="Cancel them",
        service=staff.reminders_staff_cancel, logged="Cancelled by staff",
        report=lambda rows: [(messages.INFO, f"{len(rows)} pending reminder(s) cancelled.")],
    )
    restore_cancelled = _staff_action(
        "restore_cancelled", "Restore the selected reminders cancelled by staff",
        question="Restore these reminders cancelled by staff?", button="Restore them",
        service=staff.reminders_staff_restore, logged="Restored by staff",
        report=lambda rows: [(messages.INFO, f"{len(rows)} reminder(s) restored. Those no longer "
                              "needed or already past stay cancelled.")],
    )

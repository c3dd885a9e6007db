"""The staff's review of incidents.

The admin reads freely but writes only through services: the phase, the outcome and everything a
transition sets are read-only; outreach, reschedules, safeguards, materials and the timeline are
shown, not edited, because each of their changes is a step of the phase rules. Descriptive facts
(company, role, times, zones, cause, notes, lessons) are saved through `incident_update` and
`incident_lessons_record`, so they leave a timeline entry and re-plan the reminders.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC

from django.contrib import admin
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from . import models, services
from .models import Contact, Incident, Outreach, PromisedMaterial, ProposedSlot, Reschedule


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContactLinkInline(ReadOnlyInline):
    # Linking a contact goes through contact_save, which keeps contacts within one owner.
    model = Incident.contacts.through
    verbose_name = "contact"
    verbose_name_plural = "contacts"
    fields = ("contact",)
    readonly_fields = ("contact",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact")


class OutreachInline(ReadOnlyInline):
    model = Outreach
    fields = ("occurred_at", "purpose", "channel", "contact", "result", "subject")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact")


class RescheduleInline(ReadOnlyInline):
    model = Reschedule
    show_change_link = True
    fields = ("requested_at", "reply", "start", "time_zone", "version", "attended_at",
              "cancelled_at")
    readonly_fields = fields


class SafeguardInline(ReadOnlyInline):
    model = models.Safeguard
    fields = ("kind", "done_at")
    readonly_fields = fields


class PromisedMaterialInline(ReadOnlyInline):
    model = PromisedMaterial
    fields = ("description", "due_on", "status", "resolved_at")
    readonly_fields = fields


class TimelineInline(ReadOnlyInline):
    model = models.TimelineEvent
    fields = ("at", "kind", "message", "actor")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


# Columns of the CSV export; instants are UTC in ISO 8601.
CSV_HEADER = [
    "id", "owner", "owner_email", "company", "role", "cause", "phase", "outcome",
    "interview_at_utc", "interview_tz", "discovered_at_utc", "first_outreach_at_utc",
    "minutes_to_first_outreach", "closed_at_utc",
]
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _utc(instant) -> str:
    if instant is None:
        return ""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def incident_csv_row(incident: Incident) -> list[str]:
    minutes = incident.minutes_to_first_outreach
    return [
        str(incident.pk),
        _cell(incident.owner.get_username()),
        _cell(incident.owner.email),
        _cell(incident.company),
        _cell(incident.role),
        incident.cause,
        incident.phase,
        incident.outcome,
        _utc(incident.interview_at),
        incident.interview_tz,
        _utc(incident.discovered_at),
        _utc(incident.first_outreach_at),
        "" if minutes is None else str(minutes),
        _utc(incident.closed_at),
    ]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def incident_csv_lines(queryset: QuerySet[Incident]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for incident in queryset.select_related("owner").order_by("pk").iterator(chunk_size=500):
        yield writer.writerow(incident_csv_row(incident))


@admin.action(description="Export the selected incidents as CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    response = StreamingHttpResponse(incident_csv_lines(queryset), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="incidents-{stamp}.csv"'
    return response


# Fields a staff member may correct; each goes through a service.
_UPDATABLE = ("company", "role", "interview_at", "interview_tz", "candidate_tz", "format",
              "cause", "notes", "thank_you_topic")
# Set only by transitions.
_TRANSITION_FIELDS = ("phase", "outcome", "first_outreach_at", "attended_at",
                      "thank_you_sent_at", "closed_at")


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("id", "company", "role", "owner", "cause", "phase", "outcome",
                    "interview_at", "discovered_at", "first_outreach_minutes", "closed_at")
    list_display_links = ("id", "company")
    list_filter = ("phase", "cause", "outcome", "format", "discovered_at", "interview_at",
                   "closed_at")
    search_fields = ("company", "role", "owner__username", "owner__email")
    date_hierarchy = "discovered_at"
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    actions = [export_csv]
    inlines = [ContactLinkInline, OutreachInline, RescheduleInline, SafeguardInline,
               PromisedMaterialInline, TimelineInline]
    fieldsets = (
        (None, {"fields": ("owner", "company", "role", "format", "cause")}),
        ("When", {"fields": ("interview_at", "interview_tz", "candidate_tz", "discovered_at")}),
        ("Progress (set by the phase rules)", {"fields": (*_TRANSITION_FIELDS,
                                                          "first_outreach_minutes")}),
        ("Notes", {"fields": ("notes", "thank_you_topic", "lessons")}),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = [*_TRANSITION_FIELDS, "first_outreach_minutes", "created_at", "updated_at"]
        if obj is not None:
            # The owner and the discovery time are the incident's identity once logged.
            fields += ["owner", "discovered_at"]
            if not obj.is_open:
                # The services refuse edits to a closed incident (reopen it first); only the
                # lessons may still be written down.
                fields += list(_UPDATABLE)
        return fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description="min to 1st outreach", ordering="first_outreach_at")
    def first_outreach_minutes(self, obj):
        return obj.minutes_to_first_outreach

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        now = timezone.now()
        if not change:
            # A new incident from the admin is logged like any other: safeguards, timeline,
            # reminders.
            logged = services.incident_log(
                owner=data["owner"],
                company=data["company"],
                role=data["role"],
                interview_at=data["interview_at"],
                interview_tz=data["interview_tz"],
                candidate_tz=data["candidate_tz"],
                format=data["format"],
                cause=data["cause"],
                discovered_at=data.get("discovered_at"),
                notes=data.get("notes", ""),
                now=now,
            )
            obj.pk = logged.pk
            obj._state.adding = False
            obj.refresh_from_db()
            if data.get("lessons"):
                services.incident_lessons_record(
                    incident=logged, lessons=data["lessons"], actor=request.user, now=now
                )
            return
        original = Incident.objects.get(pk=obj.pk)
        changes = {f: data[f] for f in _UPDATABLE if f in form.changed_data}
        if changes:
            services.incident_update(incident=original, actor=request.user, now=now, **changes)
        if "lessons" in form.changed_data:
            services.incident_lessons_record(
                incident=original, lessons=data["lessons"], actor=request.user, now=now
            )
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Every inline is read-only and the contacts link is not on the form: nothing to save.
        # The admin's change message reads these lists.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class ContactIncidentInline(ReadOnlyInline):
    model = Incident.contacts.through
    verbose_name = "incident"
    verbose_name_plural = "incidents"
    fields = ("incident",)
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("incident")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "owner", "email", "phone", "time_zone", "preferred_channel",
                    "created_at")
    list_filter = ("role", "preferred_channel", "created_at")
    search_fields = ("name", "email", "phone", "owner__username", "owner__email")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    inlines = [ContactIncidentInline]
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request, obj=None):
        # A contact stays with the person who made it: incidents of that person link to it.
        return ("owner", "created_at") if obj is not None else ("created_at",)

    def save_model(self, request, obj, form, change):
        fields = {f: v for f, v in form.cleaned_data.items() if f != "owner"}
        if change:
            services.contact_save(owner=obj.owner, contact=Contact.objects.get(pk=obj.pk),
                                  now=timezone.now(), **fields)
        else:
            created = services.contact_save(owner=form.cleaned_data["owner"],
                                            now=timezone.now(), **fields)
            obj.pk = created.pk
            obj._state.adding = False
        obj.refresh_from_db()


class ProposedSlotInline(ReadOnlyInline):
    model = ProposedSlot
    fields = ("position", "start", "time_zone")
    readonly_fields = fields


@admin.register(Reschedule)
class RescheduleAdmin(admin.ModelAdmin):
    """View only: requests, replies, confirmations and attendance are phase steps, recorded
    by the person through the services."""

    list_display = ("id", "incident", "owner", "requested_at", "reply", "start", "time_zone",
                    "version", "attended_at", "cancelled_at")
    list_filter = ("reply", "requested_at", "start", "attended_at", "cancelled_at")
    search_fields = ("incident__company", "incident__role", "incident__owner__username",
                     "incident__owner__email")
    date_hierarchy = "requested_at"
    list_select_related = ("incident", "incident__owner")
    raw_id_fields = ("incident", "accepted_slot", "interviewer")
    inlines = [ProposedSlotInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(ordering="incident__owner__username")
    def owner(self, obj):
        return obj.incident.owner

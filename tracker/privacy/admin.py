"""The admin sees what is left of deleted accounts (counts only) and the state of exports and
coach accesses, never an export's content. Staff permissions stay as they are."""

from django.contrib import admin

from .models import CoachAccess, DataExport, DeletedAccount


@admin.register(DeletedAccount)
class DeletedAccountAdmin(admin.ModelAdmin):
    list_display = ("deleted_at", "counts")
    readonly_fields = ("deleted_at", "counts")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    list_display = ("pk", "owner", "status", "created_at", "finished_at", "expires_at", "size")
    list_filter = ("status",)
    exclude = ("content",)
    readonly_fields = (
        "owner",
        "status",
        "progress",
        "created_at",
        "finished_at",
        "expires_at",
        "counts",
        "size",
        "error",
    )

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # The ZIP itself never leaves the database through the admin.
        return super().get_queryset(request).defer("content")


@admin.register(CoachAccess)
class CoachAccessAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "person",
        "email",
        "state",
        "share_contacts",
        "invited_at",
        "accepted_at",
        "ended_at",
    )
    list_filter = ("state",)
    readonly_fields = (
        "person",
        "email",
        "coach",
        "share_contacts",
        "state",
        "invited_at",
        "accepted_at",
        "ended_at",
    )

    def has_add_permission(self, request):
        return False

"""The profile, edited inline on the user admin; saved through `profile_update`."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone

from .forms import (
    REMINDER_KIND_CHOICES,
    AdminLoginForm,
    AdminUserChangeForm,
    AdminUserCreationForm,
    TimeZoneField,
)
from .models import Profile
from .services import profile_update

User = get_user_model()


class ProfileAdminForm(forms.ModelForm):
    time_zone = TimeZoneField()
    reminders_off = forms.MultipleChoiceField(
        choices=REMINDER_KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Reminders turned off",
    )

    class Meta:
        model = Profile
        fields = ("full_name", "phone", "time_zone", "partner_email", "reminders_off")


class ProfileInline(admin.StackedInline):
    model = Profile
    form = ProfileAdminForm
    can_delete = False
    extra = 0
    max_num = 1
    # The partner's consent is theirs to give (the invitation's links), not staff's.
    readonly_fields = ("partner_state", "partner_invited_at", "partner_answered_at")


class UserWithProfileAdmin(UserAdmin):
    # Usernames in plain characters, none looking like another (issue 12).
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    inlines = [ProfileInline]
    # Issue 11 (axe): the two-box picker's search icon carries a label a span may not have;
    # groups and permissions are plain multiple selects.
    filter_horizontal = ()
    list_display = (*UserAdmin.list_display, "date_joined", "last_login")
    list_select_related = ("profile",)

    def get_inlines(self, request, obj):
        # On the add page the signal creates the profile when the user is saved.
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change):
        if formset.model is not Profile:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads these after saving.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for profile_form in formset.initial_forms:
            if not profile_form.has_changed():
                continue
            data = profile_form.cleaned_data
            formset.changed_objects.append((profile_form.instance, profile_form.changed_data))
            profile_update(
                profile=Profile.objects.get(pk=profile_form.instance.pk),
                full_name=data["full_name"],
                phone=data["phone"],
                time_zone=data["time_zone"],
                partner_email=data["partner_email"],
                reminders_off=data["reminders_off"],
                now=timezone.now(),
            )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserWithProfileAdmin)
# The admin's login checks the username's length too (see BoundedUsernameMixin).
admin.site.login_form = AdminLoginForm

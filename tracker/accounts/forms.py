"""Forms for logging in, signing up and editing the profile. They validate only; services write."""

from __future__ import annotations

import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator

from tracker.reminders import planning
from tracker.zones import is_zone, zone_choices

from .models import Profile

# The reminder kinds a person can turn off, from the pure planning module that owns them.
REMINDER_KIND_CHOICES = [(k, planning.LABELS[k]) for k in planning.OPTIONAL_KINDS]
REMINDER_KINDS = [value for value, _ in REMINDER_KIND_CHOICES]

# Names and phone numbers end up in email headers and bodies: no control characters at all.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_characters(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError("Line breaks and control characters are not allowed here.")


phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ().\-/]*(?:\s*(?:x|ext\.?)\s*[0-9]+)?$",
    "Write the number with digits, spaces, + ( ) - . / and an optional “ext 123”.",
)


def _max_length(field: str) -> int:
    return Profile._meta.get_field(field).max_length


class ZoneSelect(forms.Select):
    """A select of IANA zones that shows a value outside the list (a tampered post, an old
    alias such as US/Eastern) as its selected first option, so nothing is silently changed."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=zone_choices())

    def optgroups(self, name, value, attrs=None):
        current = value[0] if value else ""
        if current and current not in _zone_values():
            self.choices = [(current, current), *zone_choices()]
        return super().optgroups(name, value, attrs)


def _zone_values() -> frozenset[str]:
    return frozenset(v for v, _ in zone_choices())


class TimeZoneField(forms.CharField):
    """An IANA zone, validated with `is_zone`; refused with a message naming it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", _max_length("time_zone"))
        super().__init__(widget=ZoneSelect(), **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not is_zone(value):
            raise ValidationError(
                "“%(zone)s” is not a known IANA time zone. Pick your zone from the list "
                "(for example Europe/Berlin or America/Chicago).",
                params={"zone": value},
                code="unknown_zone",
            )


class BoundedUsernameMixin:
    """Django's login forms put the username's max length on the input but never check it, so
    a longer one reaches authenticate() and django-axes, whose username column is 255
    characters: a 500 on PostgreSQL. Refuse it like any value that is too long."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(BoundedUsernameMixin, AuthenticationForm):
    pass


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    pass


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        max_length=254,
        help_text="Reminders and password reset links go here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    time_zone = TimeZoneField(
        initial="UTC",
        label="Your time zone",
        help_text="Reminders are written in this zone. Your browser's zone is picked if it can.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs["data-zone-guess"] = (
            "keep" if self.is_bound else "preselect"
        )

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        # One account per address, so a password reset link reaches exactly one account.
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "An account already uses this email address. Log in, or reset its password."
            )
        return email


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        max_length=_max_length("full_name"),
        required=False,
        validators=[_no_control_characters],
        help_text="Used to sign the drafts and the reminders.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        max_length=_max_length("phone"),
        required=False,
        validators=[_no_control_characters, phone_validator],
        help_text="Goes into the signature of your emails.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    time_zone = TimeZoneField(label="Your time zone")
    partner_email = forms.EmailField(
        max_length=_max_length("partner_email"),
        required=False,
        label="Accountability partner's email",
        help_text="Optional. They get the 24-hour reminder too.",
    )
    reminders = forms.MultipleChoiceField(
        choices=REMINDER_KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Email me these reminders",
        help_text="Untick a kind to stop it. Reminders already sent are not affected.",
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs["data-zone-guess"] = "suggest"

    @classmethod
    def initial_for(cls, profile: Profile) -> dict:
        off = set(profile.reminders_off or [])
        return {
            "full_name": profile.full_name,
            "phone": profile.phone,
            "time_zone": profile.time_zone,
            "partner_email": profile.partner_email,
            "reminders": [kind for kind in REMINDER_KINDS if kind not in off],
        }

    def clean_partner_email(self):
        email = self.cleaned_data["partner_email"].strip()
        if email and self.user is not None and email.lower() == (self.user.email or "").lower():
            raise ValidationError(
                "That is your own address. Give someone else's, or leave it empty."
            )
        return email

    @property
    def reminders_off(self) -> list[str]:
        wanted = set(self.cleaned_data.get("reminders") or [])
        return [kind for kind in REMINDER_KINDS if kind not in wanted]

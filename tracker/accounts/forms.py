"""Forms for logging in, signing up and editing the profile. They validate only; services write.

Sign-up, login and password reset are django-allauth's forms, extended here (settings
ACCOUNT_FORMS): the time zone at sign-up, a bounded login for django-axes, and the daily limit on
password reset emails."""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminUserCreationForm as DjangoAdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils import timezone

from tracker.client_ip import client_ip
from tracker.reminders import planning
from tracker.validators import (
    normalize_text,
    normalize_username,
    validate_one_line_text,
    validate_username_not_confusable,
    validate_username_text,
)
from tracker.zones import is_zone, zone_choices

from . import limits
from .models import Profile

# The reminder kinds a person can turn off, from the pure planning module that owns them.
REMINDER_KIND_CHOICES = [(k, planning.LABELS[k]) for k in planning.OPTIONAL_KINDS]
REMINDER_KINDS = [value for value, _ in REMINDER_KIND_CHOICES]

# Names and phone numbers end up in email headers and bodies: no control characters, line
# separators, bidi overrides or invisible-only values (tracker/validators.py).
_no_control_characters = validate_one_line_text


class OneLineField(forms.CharField):
    """A one-line text, NFC-normalised, refusing what can spoof."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [])
        kwargs["validators"] = [validate_one_line_text, *kwargs["validators"]]
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_text(super().to_python(value))


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
    """Django's admin login form puts the username's max length on the input but never checks
    it, so a longer one reached authenticate() and django-axes, whose username column is 255
    characters: a 500 on PostgreSQL. Refuse it like any value that is too long."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    pass


class LoginForm(allauth_forms.LoginForm):
    """django-allauth's login (by email), its address bounded like any email (254)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["login"]
        field.max_length = 254
        field.validators.append(MaxLengthValidator(254))
        field.widget.attrs["maxlength"] = "254"
        # The page has its own "Forgot your password?" link, after the button.
        self.fields["password"].help_text = ""


class SignUpForm(allauth_forms.SignupForm):
    """django-allauth's sign-up (email and password; the address is confirmed before the
    first login) with the person's time zone."""

    # Issue 11: the name is asked here, on the one sign-up page, so drafts never stop for it.
    full_name = OneLineField(
        max_length=_max_length("full_name"),
        label="Your name",
        help_text="Signs your apology email and your messages.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = TimeZoneField(
        initial="UTC",
        label="Your time zone",
        help_text="Reminders are written in this zone. Your browser's zone is picked if it can.",
    )

    field_order = ["full_name", "email", "password1", "password2", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.fields["email"].help_text = (
            "Reminders and password reset links go here, once you confirm it."
        )
        # What a visitor typed before signing up (web/visitor.py) fills the name and zone.
        from allauth.core import context

        request = context.request
        visit = request.session.get("visitor_incident") if request is not None else None
        if isinstance(visit, dict) and not self.is_bound:
            self.initial.setdefault("full_name", visit.get("full_name", ""))
            if is_zone(visit.get("candidate_tz", "")):
                self.initial.setdefault("time_zone", visit["candidate_tz"])
        self.fields["time_zone"].widget.attrs["data-zone-guess"] = (
            "keep" if self.is_bound or "time_zone" in self.initial else "preselect"
        )

    def save(self, request):
        from .services import profile_set_time_zone

        user = super().save(request)
        if user is not None:
            profile_set_time_zone(
                user=user, time_zone=self.cleaned_data["time_zone"],
                full_name=self.cleaned_data["full_name"],
            )
        return user


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """A reset link at most LIMIT times a day per address and per client address, whether or
    not the address has an account (so the message tells nothing about accounts)."""

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = super().clean_email()
        from allauth.core import context

        request = self.request or context.request
        try:
            limits.check_and_count(
                "password_reset",
                account=f"ip:{client_ip(request)}" if request is not None else None,
                recipient=email,
                now=timezone.now(),
            )
        except limits.LimitReached as exc:
            raise ValidationError(str(exc), code="limit") from exc
        return email


class AdminUserCreationForm(DjangoAdminUserCreationForm):
    """The admin's "add user": a username in plain characters that looks like no other."""

    def clean_username(self):
        from .adapter import existing_usernames_like

        username = normalize_username(self.cleaned_data["username"])
        validate_username_text(username)
        validate_username_not_confusable(username, existing_usernames_like(username))
        return username


class AdminUserChangeForm(UserChangeForm):
    def clean_username(self):
        from .adapter import existing_usernames_like

        username = normalize_username(self.cleaned_data["username"])
        if username != self.instance.username:
            validate_username_text(username)
            validate_username_not_confusable(
                username, existing_usernames_like(username, exclude_pk=self.instance.pk),
                exclude_pk=self.instance.pk,
            )
        return username


class ProfileForm(forms.Form):
    full_name = OneLineField(
        max_length=_max_length("full_name"),
        required=False,
        help_text="Used to sign the drafts and the reminders.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = OneLineField(
        max_length=_max_length("phone"),
        required=False,
        validators=[phone_validator],
        help_text="Goes into the signature of your emails.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    time_zone = TimeZoneField(label="Your time zone")
    partner_email = forms.EmailField(
        max_length=_max_length("partner_email"),
        required=False,
        label="Accountability partner's email",
        help_text="Optional. We email them an invitation; once they accept, they get a copy "
        "of the 24-hour reminder. Nothing goes to them before that.",
    )
    reminders = forms.MultipleChoiceField(
        choices=REMINDER_KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Email me these reminders",
        help_text="Untick a kind to stop it. Reminders already sent are not affected.",
    )
    # Issue 10: quiet hours for the nudges (reminders/planning.py QUIET_KINDS).
    quiet_hours = forms.BooleanField(
        required=False,
        label="Hold nudges at night",
        help_text="Follow-up and thank-you nudges due between 21:00 and 08:00 in your zone wait "
        "until 08:00. The 24-hour and 1-hour reminders and the changes to your interview are "
        "never held.",
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
            "quiet_hours": profile.quiet_hours,  # issue 10
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

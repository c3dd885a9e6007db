"""Forms of the person's UI. They validate and convert input; the views hand the cleaned data
to a service. No form saves a model. The fields they are built from (a zone, a wall time, the
wall time + zone -> instant step) are in `fields`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError

from tracker import zones
from tracker.incidents.models import Contact, Incident, Outreach, PromisedMaterial, Reschedule

from .fields import (
    MAX_YEAR,
    MIN_YEAR,
    ContactChoiceMixin,
    OneLineInputsMixin,
    WallTimeField,
    ZonedTimeMixin,
    ZoneField,
    offset_label,
    same_named,
    which_field,
)


def preview(form, wall: str, zone: str, *, other_field: str = "", other_zone: str = "") -> None:
    """While a time is typed, web/zones.js shows it in the other zone ("= 22:00 IST for you"):
    the wall time's input names its zone's input and the other zone (another input of the
    form, or a fixed zone such as the person's)."""
    attrs = form.fields[wall].widget.attrs
    attrs["data-zone-preview"] = form.add_prefix(zone)
    if other_field:
        attrs["data-other-zone-field"] = form.add_prefix(other_field)
    if other_zone:
        attrs["data-other-zone"] = other_zone


# A missed interview is in the past; a little ahead is allowed for "I am going to miss it".
LOG_AHEAD = timedelta(hours=12)


def cause_field(*, ask: bool = False) -> forms.ChoiceField:
    """What caused the miss; with `ask`, nothing is chosen until the person picks one (a new
    incident: a preselected cause would be recorded without a thought)."""
    choices = list(Incident.Cause.choices)
    return forms.ChoiceField(
        choices=[("", "Choose what happened"), *choices] if ask else choices,
        label="What happened",
    )


class _MissedAtMixin(ZonedTimeMixin):
    """The missed interview's time, typed as a wall time in its zone, shown in the other zone
    while typing, and refused when more than LOG_AHEAD from now (`ahead_message` says why)."""

    wall_field = "interview_at"
    zone_field = "interview_tz"
    ahead_message = ""

    def __init__(self, *args, now: datetime, **kwargs):
        self.now = now
        super().__init__(*args, **kwargs)
        preview(self, "interview_at", "interview_tz", other_field="candidate_tz")

    def clean(self):
        cleaned = super().clean()
        cleaned["interview_instant"] = self.resolve_zoned(
            refuse=lambda t: self.ahead_message if t > self.now + LOG_AHEAD else ""
        )
        return cleaned


class _IncidentFactsForm(OneLineInputsMixin, _MissedAtMixin, forms.Form):
    """The incident's descriptive facts, the interview time typed as a wall time in its zone;
    shared by 'I missed an interview' and 'Edit details'."""

    company = forms.CharField(max_length=120)
    role = forms.CharField(max_length=120, label="Role you interviewed for")
    interview_at = WallTimeField(label="When the interview was (its local time)")
    interview_tz = ZoneField(label="Time zone the interview was set in")
    which = which_field()
    candidate_tz = ZoneField(label="Your time zone")
    format = forms.ChoiceField(choices=Incident.Format.choices)
    cause = cause_field()

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            **same_named(c, "company", "role", "interview_tz", "candidate_tz", "format", "cause"),
            "interview_at": c["interview_instant"],
        }


class IncidentLogForm(_IncidentFactsForm):
    """'I missed an interview': few required fields, everything else defaulted."""

    ahead_message = (
        "That is more than 12 hours from now. Log an interview once it is missed; check the "
        "date and the zone."
    )

    format = forms.ChoiceField(choices=Incident.Format.choices, initial=Incident.Format.VIDEO)
    cause = cause_field(ask=True)
    discovered_minutes_ago = forms.IntegerField(
        label="You realised it … minutes ago",
        min_value=0,
        max_value=7 * 24 * 60,
        required=False,
        initial=0,
        help_text="Leave 0 if you just realised; the first-hour clock starts then.",
    )
    contact_name = forms.CharField(max_length=120, required=False, label="Interviewer or recruiter")
    contact_role = forms.ChoiceField(
        choices=Contact.Role.choices, initial=Contact.Role.INTERVIEWER, required=False,
        label="Their role",
    )
    contact_email = forms.EmailField(max_length=254, required=False, label="Their email")
    contact_phone = forms.CharField(max_length=40, required=False, label="Their phone")

    def clean(self):
        cleaned = super().clean()
        instant = cleaned["interview_instant"]
        minutes = cleaned.get("discovered_minutes_ago") or 0
        cleaned["discovered_at"] = self.now - timedelta(minutes=minutes)
        if instant is not None and cleaned["discovered_at"] < instant - LOG_AHEAD:
            self.add_error(
                "discovered_minutes_ago", "That is long before the interview itself."
            )
        if cleaned.get("contact_email") and not cleaned.get("contact_name"):
            self.add_error("contact_name", "Give the name that goes with this email.")
        return cleaned

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            **super().service_kwargs(),
            **same_named(c, "discovered_at", "contact_name", "contact_email", "contact_phone"),
            "contact_role": c["contact_role"] or Contact.Role.INTERVIEWER,
        }


class IncidentEditForm(_IncidentFactsForm):
    """'Edit details': the incident's descriptive facts, the interview time typed as a wall
    time in its zone exactly as on 'I missed an interview'."""

    ahead_message = (
        "That is more than 12 hours from now. The missed interview is in the past; check the "
        "date and the zone."
    )

    notes = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_for(cls, incident: Incident) -> dict:
        """The incident's facts, the interview time as wall time in its own zone. `which` is
        prefilled only when that wall time happens twice, so saving unchanged keeps it."""
        wall = incident.interview_at.astimezone(zones.get_zone(incident.interview_tz))
        initial = {f: getattr(incident, f) for f in ("company", "role", "interview_tz",
                                                     "candidate_tz", "format", "cause", "notes")}
        initial["interview_at"] = wall.strftime("%Y-%m-%dT%H:%M")
        try:
            zones.resolve_local(wall.replace(tzinfo=None), incident.interview_tz)
        except zones.AmbiguousLocalTime:
            initial["which"] = offset_label(wall)
        except zones.NonexistentLocalTime:  # pragma: no cover - an instant is never in a gap
            pass
        return initial

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "notes": self.cleaned_data["notes"]}


class ContactForm(OneLineInputsMixin, forms.Form):
    name = forms.CharField(max_length=120)
    role = forms.ChoiceField(choices=Contact.Role.choices, initial=Contact.Role.INTERVIEWER)
    email = forms.EmailField(max_length=254, required=False)
    phone = forms.CharField(max_length=40, required=False)
    time_zone = ZoneField(required=False, label="Their time zone")
    preferred_channel = forms.ChoiceField(
        choices=Contact.Channel.choices, initial=Contact.Channel.ANY, label="Prefers"
    )

    @classmethod
    def initial_for(cls, contact: Contact) -> dict:
        return {f: getattr(contact, f) for f in cls.base_fields}


class OutreachForm(OneLineInputsMixin, ContactChoiceMixin, forms.Form):
    channel = forms.ChoiceField(choices=Outreach.Channel.choices, initial=Outreach.Channel.EMAIL)
    purpose = forms.ChoiceField(choices=Outreach.Purpose.choices, initial=Outreach.Purpose.APOLOGY)
    result = forms.ChoiceField(choices=Outreach.Result.choices, initial=Outreach.Result.SENT)
    contact = forms.ChoiceField(required=False, label="To")
    minutes_ago = forms.IntegerField(
        label="How many minutes ago", min_value=0, max_value=7 * 24 * 60, required=False,
        initial=0,
    )
    subject = forms.CharField(max_length=200, required=False)
    text = forms.CharField(
        max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        label="What you said or wrote",
    )

    def __init__(self, *args, contacts=(), now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self._setup_contacts(contacts)

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            **same_named(c, "channel", "purpose", "result", "subject", "text"),
            "contact": self._contact(),
            "occurred_at": self.now - timedelta(minutes=c.get("minutes_ago") or 0),
        }


def slot_label(start: datetime, zone: str, person_tz: str, interviewer_tz: str) -> str:
    """'You: Wed 4 Mar 2026, 08:30 CST (America/Chicago) · Proposed in: ...'."""
    if not person_tz:
        return " / ".join(str(z) for z in zones.in_zones(start, zone))
    names = {interviewer_tz: "Them", person_tz: "You"}
    if person_tz == interviewer_tz:
        names[person_tz] = "You and them"
    return " · ".join(
        f"{names.get(z.zone, 'Proposed in')}: {z}"
        for z in zones.in_zones(start, person_tz, interviewer_tz, zone)
    )


class ReplyForm(forms.Form):
    # Not stored: a time they proposed is written down with "Confirm the new interview", which
    # records the reply as accepted (the one way to record a reply offers it too).
    PROPOSED_OTHER = "proposed_other"

    reply = forms.ChoiceField(
        choices=[
            *(c for c in Reschedule.Reply.choices if c[0] != Reschedule.Reply.PENDING),
            (PROPOSED_OTHER, "They proposed another time"),
        ],
        widget=forms.RadioSelect,
        label="Their reply",
    )
    slot = forms.ChoiceField(
        required=False, widget=forms.RadioSelect, label="The slot they accepted"
    )

    def __init__(self, *args, reschedule: Reschedule, person_tz: str = "",
                 interviewer_tz: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._slots = {str(s.pk): s for s in reschedule.slots.all()}
        # Issue 11: the reply form is the one list of the proposed times, so each is written in
        # every zone that matters, named as on the page: yours, theirs, the one it was proposed in.
        self.fields["slot"].choices = [
            (key, slot_label(s.start, s.time_zone, person_tz, interviewer_tz))
            for key, s in self._slots.items()
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reply") == Reschedule.Reply.ACCEPTED:
            slot = self._slots.get(cleaned.get("slot") or "")
            if slot is None and not self._slots:
                # No slot to pick (the radio list is empty, so an error on it would not show).
                self.add_error(
                    None,
                    "No times were proposed in this request, so there is none to accept. "
                    "Record the agreed time with “Confirm the new interview”.",
                )
            elif slot is None:
                self.add_error("slot", "Say which of the proposed slots they accepted.")
            cleaned["accepted_slot"] = slot
        else:
            cleaned["accepted_slot"] = None
        return cleaned


class ConfirmForm(OneLineInputsMixin, ContactChoiceMixin, ZonedTimeMixin, forms.Form):
    """The agreed interview, written down: start in its zone, duration, format, place."""

    start = WallTimeField(label="Date and time")
    time_zone = ZoneField(label="Time zone it was agreed in")
    which = which_field()
    duration_minutes = forms.IntegerField(
        min_value=5, max_value=8 * 60, initial=45, label="Duration (minutes)"
    )
    format = forms.ChoiceField(choices=Incident.Format.choices)
    location = forms.CharField(max_length=500, required=False, label="Link or place")
    interviewer = forms.ChoiceField(required=False)

    def __init__(self, *args, contacts=(), now: datetime, person_tz: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self._setup_contacts(contacts, "interviewer")
        preview(self, "start", "time_zone", other_zone=person_tz)

    def clean(self):
        cleaned = super().clean()
        cleaned["instant"] = self.resolve_zoned(refuse=lambda t: (
            "That time is already past. Enter the time you agreed on." if t <= self.now else ""
        ))
        return cleaned

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {
            **same_named(c, "time_zone", "duration_minutes", "format", "location"),
            "start": c["instant"],
            "interviewer": self._contact("interviewer"),
        }


class ThankYouForm(ContactChoiceMixin, forms.Form):
    channel = forms.ChoiceField(
        choices=[(Outreach.Channel.EMAIL, "Email"), (Outreach.Channel.MESSAGE, "Message")],
        initial=Outreach.Channel.EMAIL,
    )
    contact = forms.ChoiceField(required=False, label="To")
    text = forms.CharField(
        max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        label="The note (optional)",
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_contacts(contacts)

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        return {**same_named(c, "channel", "text"), "contact": self._contact()}


class MaterialForm(OneLineInputsMixin, forms.Form):
    description = forms.CharField(max_length=200, label="What you promised")
    due_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due on"
    )

    def clean_due_on(self):
        due = self.cleaned_data.get("due_on")
        if due is not None and not MIN_YEAR <= due.year <= MAX_YEAR:
            raise ValidationError(f"Enter a date between {MIN_YEAR} and {MAX_YEAR}.")
        return due


class MaterialResolveForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (PromisedMaterial.Status.DELIVERED, "Delivered"),
            (PromisedMaterial.Status.DROPPED, "Dropped"),
        ]
    )


class SafeguardForm(forms.Form):
    done = forms.BooleanField(required=False)


class LessonsForm(forms.Form):
    lessons = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What caused the miss, and what you do now so it does not happen again.",
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=Incident.Outcome.choices, widget=forms.RadioSelect)


class VisitorForm(OneLineInputsMixin, _MissedAtMixin, forms.Form):
    """'I just missed an interview' before any account: what the phone script, the voicemail
    and the apology email need, and nothing else. Kept in the session; it becomes the incident
    at sign-up (`visitor.adopt`)."""

    ahead_message = IncidentLogForm.ahead_message

    full_name = forms.CharField(
        max_length=120, label="Your name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    company = forms.CharField(max_length=120)
    role = forms.CharField(max_length=120, label="Role you interviewed for")
    contact_name = forms.CharField(
        max_length=120, required=False, label="Interviewer's name (if you know it)"
    )
    interview_at = WallTimeField(label="When the interview was (its local time)")
    interview_tz = ZoneField(label="Time zone the interview was set in")
    which = which_field()
    cause = cause_field(ask=True)
    # The visitor's own zone, guessed by the browser (web/zones.js); the interview's if none.
    candidate_tz = ZoneField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("candidate_tz"):
            cleaned["candidate_tz"] = cleaned.get("interview_tz") or "UTC"
        return cleaned

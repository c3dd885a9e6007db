"""The proposed times of a reschedule request: one slot (a wall time in a zone) and the set of
two or three, on the incident page and the request draft's page."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from tracker import zones

from .fields import OneLineInputsMixin, WallTimeField, ZonedTimeMixin, ZoneField, which_field
from .forms import preview


class SlotForm(OneLineInputsMixin, ZonedTimeMixin, forms.Form):
    """One proposed slot: its local time and the zone it is written in. An `optional` slot may
    be left blank (the third of a request)."""

    start = WallTimeField(label="Date and time")
    time_zone = ZoneField(label="Time zone")
    which = which_field()

    def __init__(self, *args, now: datetime, optional: bool = False, person_tz: str = "",
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self.optional = optional
        preview(self, "start", "time_zone", other_zone=person_tz)
        if optional:
            self.fields["start"].required = False
            self.fields["time_zone"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and not cleaned.get("time_zone") and "time_zone" not in self.errors:
            self.add_error("time_zone", "Say which time zone this time is in.")
        cleaned["instant"] = self.resolve_zoned(refuse=lambda t: (
            f"That time is already past ({zones.format_local(t, cleaned['time_zone'])}). "
            "Propose a time in the coming days." if t <= self.now else ""
        ))
        return cleaned


class BaseSlotFormSet(forms.BaseFormSet):
    """Two or three SlotForms under one <form>: `slots-0-start`, `slots-0-time_zone`,
    `slots-0-which`, ... and the management form. The first two slots are required, the third
    may be left blank; every slot starts in `zone` (the zone the interview was set in, or the
    interviewer's on the draft page)."""

    default_error_messages = {
        "too_few_forms": "Propose at least %(num)d times.",
        "too_many_forms": "Propose at most %(num)d times.",
        "missing_management_form": (
            "Part of the form was missing (%(field_names)s). Reload the page and enter the "
            "times again."
        ),
    }

    def __init__(self, data=None, *, now: datetime, zone: str, prefix: str = "slots",
                 person_tz: str = "", **kwargs):
        form_kwargs = {
            "now": now,
            "person_tz": person_tz,
            "initial": {"time_zone": zone},
            **(kwargs.pop("form_kwargs", None) or {}),
        }
        super().__init__(data, prefix=prefix, form_kwargs=form_kwargs, **kwargs)

    def get_form_kwargs(self, index):
        # Past min_num (and the empty form, index None) a slot may be left blank. The required
        # ones keep the `required` attribute, so the browser checks them too (Django leaves
        # it out of every form of a formset).
        optional = index is None or index >= self.min_num
        return {
            **super().get_form_kwargs(index),
            "optional": optional,
            "use_required_attribute": not optional,
        }

    def clean(self):
        if any(self.errors):
            return
        first_of: dict[datetime, int] = {}
        for n, form in enumerate(self.forms, start=1):
            instant = form.cleaned_data.get("instant")
            if instant is None:
                continue
            if instant in first_of:
                raise ValidationError(
                    "Two proposed slots are the same time. Slots %(first)d and %(second)d are "
                    "both %(when)s; change one of them.",
                    code="duplicate_slot",
                    params={
                        "first": first_of[instant],
                        "second": n,
                        "when": zones.format_local(instant, form.cleaned_data["time_zone"]),
                    },
                )
            first_of[instant] = n

    def add_error(self, field, error) -> None:
        """A refusal for the whole request (`field` None, as `Form.add_error` takes it, e.g.
        from the service), shown with the formset's own errors above the slots."""
        if field is not None:
            raise ValueError("A slot formset takes errors for the whole request only.")
        self.non_form_errors().extend(ValidationError(error).error_list)

    def cleaned_slots(self) -> list[tuple[datetime, str]]:
        """[(aware UTC instant, zone), ...] of the filled-in slots, in order: the `slots`
        argument of `services.reschedule_request`. Call after `is_valid()`."""
        return [
            (f.cleaned_data["instant"], f.cleaned_data["time_zone"])
            for f in self.forms
            if f.cleaned_data.get("instant")
        ]


# absolute_max: a tampered TOTAL_FORMS builds and renders at most three slot forms (the
# default would be a thousand more), and more than three is refused with "at most 3".
SlotFormSet = forms.formset_factory(
    SlotForm, formset=BaseSlotFormSet, extra=3, min_num=2, max_num=3, absolute_max=3,
    validate_min=True, validate_max=True,
)

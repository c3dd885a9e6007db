"""Forms of the draft pages: the draft as the person edited it (posted to draft_check or to
draft_record), and the small forms that ask for a fact a draft needs. Forms validate; the view
calls the service. The contact, slots and materials forms are the incident page's, reused."""

from __future__ import annotations

from django import forms

from tracker.incidents.models import Contact, Outreach
from tracker.messaging import composer
from tracker.web.fields import OneLineInputsMixin
from tracker.web.forms import ContactForm, MaterialForm
from tracker.web.slot_forms import SlotFormSet

__all__ = [
    "ContactForm",
    "DraftForm",
    "MaterialForm",
    "NameForm",
    "RecruiterForm",
    "SlotFormSet",
    "TopicForm",
]

# The facts a draft can ask for, each with its small form (and its own URL, draft_<fact>).
NAME, CONTACT, SLOTS, TOPIC, MATERIAL = "name", "contact", "slots", "topic", "material"
FACTS = (NAME, CONTACT, SLOTS, TOPIC, MATERIAL)

# The results a call can have; every other kind has one result.
PHONE_RESULTS = [
    (Outreach.Result.REACHED, "I reached them"),
    (Outreach.Result.NO_ANSWER, "Nobody answered"),
]
RESULT_BY_CHANNEL = {
    Outreach.Channel.VOICEMAIL: Outreach.Result.VOICEMAIL,
    Outreach.Channel.EMAIL: Outreach.Result.SENT,
    Outreach.Channel.MESSAGE: Outreach.Result.SENT,
}


class DraftForm(OneLineInputsMixin, forms.Form):
    """The draft after the person's edits."""

    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(
        max_length=10000,
        label="Message",
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
        error_messages={"required": "The message is empty: write something or reset the draft."},
    )
    result = forms.ChoiceField(choices=PHONE_RESULTS, label="How did the call go?",
                               widget=forms.RadioSelect, required=False)

    def __init__(self, *args, kind: composer.KindInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if not kind.is_email:
            del self.fields["subject"]
        if kind.channel != Outreach.Channel.CALL:
            del self.fields["result"]

    def clean_body(self):
        # Browsers send CRLF; keep one form of line break in what is checked and recorded.
        return self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")

    def outreach_result(self) -> str:
        """The Outreach.Result to record; a call must say whether anyone answered."""
        if self.kind.channel == Outreach.Channel.CALL:
            return self.cleaned_data.get("result") or ""
        return RESULT_BY_CHANNEL[self.kind.channel]


class NameForm(OneLineInputsMixin, forms.Form):
    full_name = forms.CharField(max_length=120, label="Your full name",
                                help_text="How you sign your messages.")
    phone = forms.CharField(max_length=40, required=False, label="Your phone",
                            help_text="Optional: goes under your name so they can call back.")


class TopicForm(OneLineInputsMixin, forms.Form):
    thank_you_topic = forms.CharField(
        max_length=200,
        label="Something specific you talked about",
        help_text="e.g. “the plan to move billing to event sourcing”. The note names it.",
    )


class RecruiterForm(ContactForm):
    """A contact who can help reschedule: a recruiter, HR or a scheduling coordinator."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            c for c in Contact.Role.choices if c[0] in composer.INTERMEDIARY_ROLES
        ]
        self.fields["role"].initial = Contact.Role.RECRUITER

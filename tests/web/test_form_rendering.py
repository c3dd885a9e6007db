"""`|bootstrap_form` writes what crispy-forms' bootstrap5 pack writes for the same form: the
same wrappers, classes, ids, labels, required marks, help text, errors and aria attributes,
with every value escaped. Compared tag by tag (attributes in order) and text by text, so only
whitespace between tags may differ."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form

from tracker.incidents.models import Contact, ProposedSlot, Reschedule
from tracker.web import forms
from tracker.web.templatetags.web_tags import bootstrap_form

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOSTILE = '"><script>alert(1)</script>'


class _Tokens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.tokens = []

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, tuple(attrs)))

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        if text := " ".join(data.split()):
            self.tokens.append(("text", text))

    def handle_entityref(self, name):
        self.tokens.append(("entity", name))

    def handle_charref(self, name):
        self.tokens.append(("char", name))


def tokens(html) -> list:
    parser = _Tokens()
    parser.feed(str(html))
    parser.close()
    return parser.tokens


def contacts():
    return [
        Contact(pk=7, name=HOSTILE, role=Contact.Role.INTERVIEWER),
        Contact(pk=9, name="Bob", role=Contact.Role.RECRUITER),
    ]


def reschedule_with_slots(n=2):
    """A reschedule with its slots as if prefetched (no database needed)."""
    r = Reschedule(pk=3)
    slots = [
        ProposedSlot(pk=11 + i, reschedule=r, start=datetime(2026, 3, 4 + i, 9, tzinfo=UTC),
                     time_zone=("Europe/Berlin", "Asia/Kolkata")[i % 2])
        for i in range(n)
    ]
    r._prefetched_objects_cache = {"slots": slots}
    return r


FORMS = {
    "outreach, unbound, own ids": lambda: forms.OutreachForm(
        contacts=contacts(), now=NOW, initial={"purpose": "follow_up", "contact": "7"},
        auto_id="outreach-%s",
    ),
    "outreach, errors and typed text kept": lambda: forms.OutreachForm(
        {"channel": "fax", "purpose": "apology", "result": "sent", "contact": "99",
         "minutes_ago": "-4", "subject": "a\nb" + HOSTILE, "text": HOSTILE},
        contacts=contacts(), now=NOW, auto_id="outreach-%s",
    ),
    "contact, errors": lambda: forms.ContactForm(
        {"name": "", "role": "x", "email": "nope", "time_zone": HOSTILE}, auto_id="contact-%s"
    ),
    "confirm, ambiguous time asks which one (radio)": lambda: forms.ConfirmForm(
        {"start": "2026-11-01T01:30", "time_zone": "America/New_York", "duration_minutes": "45",
         "format": "video"},
        contacts=contacts(), now=NOW, auto_id="confirm-%s",
    ),
    "confirm, time in the gap": lambda: forms.ConfirmForm(
        {"start": "2026-03-08T02:30", "time_zone": "America/New_York", "duration_minutes": "x",
         "format": "video", "interviewer": "9"},
        contacts=contacts(), now=NOW, auto_id="confirm-%s",
    ),
    "thank-you, errors": lambda: forms.ThankYouForm(
        {"channel": "fax"}, contacts=contacts(), auto_id="thank-you-%s"
    ),
    "material, date out of range": lambda: forms.MaterialForm(
        {"description": "", "due_on": "1800-01-01"}
    ),
    "lessons, help text": lambda: forms.LessonsForm(initial={"lessons": HOSTILE}),
    "lessons, help text and error": lambda: forms.LessonsForm({"lessons": ""}),
    "reply, radios with an error on the slot": lambda: forms.ReplyForm(
        {"reply": "accepted"}, reschedule=reschedule_with_slots(), person_tz="Europe/Berlin"
    ),
    "reply, no slots: a form-wide error": lambda: forms.ReplyForm(
        {"reply": "accepted"}, reschedule=reschedule_with_slots(0), person_tz="Europe/Berlin"
    ),
    "close, radios": lambda: forms.CloseForm(),
    "slot, prefixed and optional": lambda: forms.SlotForm(
        {"slot3-start": "2020-01-01T10:00", "slot3-time_zone": ""}, prefix="slot3", now=NOW,
        optional=True,
    ),
    "safeguard checkbox (handed to crispy)": lambda: forms.SafeguardForm({"done": "on"}),
}


@pytest.mark.parametrize("make", FORMS.values(), ids=FORMS.keys())
def test_bootstrap_form_writes_what_crispy_writes(make):
    ours_form, crispy_form = make(), make()
    for form in (ours_form, crispy_form):
        if form.is_bound:
            form.is_valid()

    ours = bootstrap_form(ours_form)

    assert tokens(ours) == tokens(as_crispy_form(crispy_form))


def test_bootstrap_form_escapes_what_was_typed_and_the_choices():
    form = forms.OutreachForm(
        {"channel": "email", "purpose": "apology", "result": "sent", "contact": "7",
         "subject": HOSTILE, "text": HOSTILE},
        contacts=contacts(), now=NOW,
    )
    form.is_valid()

    html = bootstrap_form(form)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&quot;&gt;&lt;script&gt;' in html


def test_bootstrap_form_shows_errors_with_aria_links():
    form = forms.LessonsForm({"lessons": ""})
    form.is_valid()

    html = bootstrap_form(form)

    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_lessons_helptext id_lessons_error"' in html
    assert '<div id="id_lessons_error" class="invalid-feedback">' in html
    assert 'class="textarea form-control is-invalid"' in html

"""Forms are rendered by crispy-forms (bootstrap5), through the templates the pages use: what
the person gets from them is pinned here, not the markup. Every label points at its own field,
every field has a label, required fields are marked, errors and help text are shown next to
their field and linked to it (`aria-describedby`, `aria-invalid`), what was typed comes back
escaped, and the incident page, with several forms sharing field names, uses no id twice in any
phase. An unbound form's markup is crispy's, kept in the cache under a key that changes with
anything it shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import resolve, reverse

from tests.web.conftest import NOW as PAGE_NOW
from tests.web.conftest import log_incident, walked_incident
from tracker.incidents import services
from tracker.incidents.models import Contact, ProposedSlot, Reschedule
from tracker.web import forms, slot_forms
from tracker.web.fields import ZONE_LIST_ID, WallTimeWidget
from tracker.web.templatetags.web_tags import form_key

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOSTILE = '"><script>alert(1)</script>'
CONTROLS = ("input", "select", "textarea")


# --- A small DOM -----------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict
    parent: Node | None = None
    children: list = field(default_factory=list)  # Nodes and strings

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def described_by(self) -> list[str]:
        return (self.attrs.get("aria-describedby") or "").split()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.node = Node("#root", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: ("" if v is None else v) for k, v in attrs}, self.node)
        self.node.children.append(node)
        if tag not in VOID:
            self.node = node

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.node = self.node.parent

    def handle_endtag(self, tag):
        node = self.node
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.node = node.parent

    def handle_data(self, data):
        self.node.children.append(data)


@dataclass
class Page:
    html: str
    root: Node

    @property
    def nodes(self) -> list[Node]:
        return list(self.root.walk())

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.nodes if n.attrs.get("id") == ident]
        assert len(found) == 1, f"{len(found)} elements with id {ident!r}"
        return found[0]

    def controls(self, name: str) -> list[Node]:
        return [n for n in self.nodes if n.tag in CONTROLS and n.attrs.get("name") == name]

    def visible_controls(self) -> list[Node]:
        return [n for n in self.nodes if visible(n)]


def parse(html) -> Page:
    builder = _Builder()
    builder.feed(str(html))
    builder.close()
    return Page(str(html), builder.root)


# --- What every rendered form must give the person --------------------------------------------


def assert_labels_and_ids(page: Page) -> None:
    """No id twice; every label points at a field of the page and every field has one;
    every `aria-describedby` names elements that exist; every `list` names the datalist."""
    ids = Counter(n.attrs["id"] for n in page.nodes if n.attrs.get("id"))
    assert not [i for i, n in ids.items() if n > 1], f"ids used twice: {ids.most_common(5)}"
    controls = page.visible_controls()
    control_ids = {n.attrs.get("id") for n in controls}
    labels = [n for n in page.nodes if n.tag == "label"]
    for label in labels:
        assert label.attrs.get("for") in control_ids, f"label {label.text()!r} points nowhere"
    labelled = {label.attrs["for"] for label in labels}
    for control in controls:
        assert control.attrs.get("id") in labelled or control.attrs.get("aria-label"), (
            f"{control.tag} {control.attrs.get('name')!r} has no label"
        )
    for node in page.nodes:
        for ident in node.described_by():
            assert ids[ident] == 1, f"aria-describedby names {ident!r}, which is not there"
        if node.tag == "input" and "list" in node.attrs:
            assert node.attrs["list"] == ZONE_LIST_ID


def input_type(bf) -> str | None:
    return getattr(bf.field.widget, "input_type", None)


def field_box(page: Page, bf) -> Node:
    """The wrapper of one field: its label (or legend), widget, errors and help text."""
    return page.by_id(f"div_{bf.auto_id}")


def assert_field_shown(page: Page, bf) -> None:
    if bf.is_hidden:
        (control,) = page.controls(bf.html_name)
        assert control.attrs.get("type") == "hidden"
        return
    box = field_box(page, bf)
    radio = input_type(bf) == "radio"
    heading = next(n for n in box.walk() if n.tag == ("legend" if radio else "label"))
    assert str(bf.label) in heading.text()
    # Required fields say so, next to their label; optional ones do not.
    marked = any("asteriskField" in n.classes() for n in heading.walk())
    assert marked == bf.field.required, f"{bf.html_name}: required mark {marked}"
    controls = [n for n in box.walk() if n.tag in CONTROLS]
    if isinstance(bf.field.widget, WallTimeWidget):
        # Issue 11: a date box (the label's) and a 24-hour time box with its own name.
        date, time = controls
        assert (date.attrs["name"], time.attrs["name"]) == (bf.html_name, f"{bf.html_name}_time")
        assert date.attrs["type"] == "date" and "24-hour" in time.attrs["aria-label"]
        assert page.by_id(heading.attrs["for"]) is date
        controls = [date]
    assert all(n.attrs["name"] == bf.html_name for n in controls)
    # One control, or one radio per choice (no slot to accept: none).
    assert len(controls) == (len(bf.field.choices) if radio else 1)
    if not radio:
        (control,) = controls
        assert page.by_id(heading.attrs["for"]) is control
    # Errors next to the field, announced with it.
    error_id = f"{bf.auto_id}_error"
    if bf.errors:
        error = page.by_id(error_id)
        assert error in box.walk()
        for message in bf.errors:
            assert message in error.text()
        for control in controls:
            assert control.attrs.get("aria-invalid") == "true"
            assert "is-invalid" in control.classes()
        if radio:
            fieldset = next(n for n in box.walk() if n.tag == "fieldset")
            assert error_id in fieldset.described_by()
        else:
            assert error_id in controls[0].described_by()
    else:
        assert error_id not in page.html
        for control in controls:
            assert "is-invalid" not in control.classes()
            assert "aria-invalid" not in control.attrs
    # Help text shown, and linked to the field.
    if bf.help_text:
        help_node = page.by_id(f"{bf.auto_id}_helptext")
        assert help_node in box.walk() and str(bf.help_text) in help_node.text()
        assert f"{bf.auto_id}_helptext" in controls[0].described_by()


def assert_typed_values_kept(page: Page, form) -> None:
    """What was typed in a text box comes back in it (escaped by the parser's reading)."""
    if not form.is_bound:
        return
    for bf in form:
        if isinstance(bf.field.widget, WallTimeWidget) and form.data.get(bf.html_name):
            # The date and the 24-hour time come back in their two boxes (issue 11).
            date, time = WallTimeWidget.decompress(
                bf.field.widget.value_from_datadict(form.data, None, bf.html_name))
            assert page.controls(bf.html_name)[0].attrs.get("value") == date
            assert page.controls(f"{bf.html_name}_time")[0].attrs.get("value") == time
            continue
        if bf.is_hidden or input_type(bf) not in ("text", "email", "datetime-local"):
            continue
        typed = form.data.get(bf.html_name)
        if typed:
            (control,) = page.controls(bf.html_name)
            assert control.attrs.get("value") == typed


def alerts(page: Page) -> str:
    return " ".join(n.text() for n in page.nodes if "alert-danger" in n.classes())


def assert_form_shown(page: Page, form) -> None:
    assert_labels_and_ids(page)
    for message in form.non_field_errors():
        assert message in alerts(page)
    for bf in form:
        assert_field_shown(page, bf)
    assert_typed_values_kept(page, form)


# --- The forms ---------------------------------------------------------------------------------


def render_form(form) -> Page:
    """A form the way the pages render it: web/_form.html (a slot formset: its own template)."""
    request = RequestFactory().get("/")
    if isinstance(form, slot_forms.BaseSlotFormSet):
        html = render_to_string("web/_reschedule_request_form.html",
                                {"form": form, "action": "/x/"}, request=request)
    else:
        html = render_to_string("web/_form.html", {"form": form, "action": "/x/"},
                                request=request)
    return parse(html)


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


def slots_posted(*slots, total=3, **more):
    data = {"slots-TOTAL_FORMS": str(total), "slots-INITIAL_FORMS": "0"}
    for n, (start, zone) in enumerate(slots):
        data[f"slots-{n}-start"], data[f"slots-{n}-time_zone"] = start, zone
    return {**data, **more}


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
    "safeguard checkbox": lambda: forms.SafeguardForm({"done": "on"}),
}

SLOT_FORMSETS = {
    "slots, unbound": lambda: slot_forms.SlotFormSet(now=NOW, zone="Asia/Kolkata"),
    "slots, past, in the gap, twice, unknown zone": lambda: slot_forms.SlotFormSet(
        slots_posted(("2020-01-01T10:00", "Europe/Berlin"), ("2026-03-29T02:30", "Europe/Berlin"),
                     ("2026-10-25T02:30", HOSTILE)),
        now=NOW, zone="Asia/Kolkata",
    ),
    "slots, a time that happens twice": lambda: slot_forms.SlotFormSet(
        slots_posted(("2026-10-25T02:30", "Europe/Berlin"), ("2026-03-05T10:00", "UTC")),
        now=NOW, zone="Asia/Kolkata",
    ),
    "slots, the same time twice": lambda: slot_forms.SlotFormSet(
        slots_posted(("2026-03-04T10:00", "Europe/Berlin"), ("2026-03-04T09:00", "UTC"),
                     ("", "Asia/Kolkata")),
        now=NOW, zone="Asia/Kolkata",
    ),
    "slots, times without their zone, a zone without its time": lambda: slot_forms.SlotFormSet(
        slots_posted(("2026-03-04T10:00", ""), ("", "UTC"), ("2026-03-06T10:00", "")),
        now=NOW, zone="Asia/Kolkata",
    ),
}


@pytest.mark.parametrize("make", FORMS.values(), ids=FORMS.keys())
def test_every_field_has_its_label_mark_errors_and_help(make):
    form, page = validated_and_rendered(make)

    assert_form_shown(page, form)


@pytest.mark.parametrize("make", SLOT_FORMSETS.values(), ids=SLOT_FORMSETS.keys())
def test_every_slot_has_its_label_mark_errors_and_help(make):
    formset, page = validated_and_rendered(make)

    assert_labels_and_ids(page)
    for message in formset.non_form_errors():
        assert message in alerts(page)
    # Three slots, each in its own fieldset, the third one optional.
    fieldsets = [n for n in page.nodes if n.tag == "fieldset" and "border" in n.classes()]
    assert len(fieldsets) == len(formset.forms) == 3
    legends = [next(n for n in f.walk() if n.tag == "legend").text() for f in fieldsets]
    assert legends == ["Slot 1", "Slot 2", "Slot 3 (optional)"]
    for fieldset, form in zip(fieldsets, formset.forms, strict=True):
        for bf in form:
            if not bf.is_hidden:
                assert field_box(page, bf) in fieldset.walk()
            assert_field_shown(page, bf)
        assert_typed_values_kept(page, form)
    # The browser checks the two required slots; the optional one may be sent blank.
    required = [n.attrs["name"] for n in page.nodes if n.tag == "input" and "required" in n.attrs]
    assert sorted(required) == ["slots-0-start", "slots-0-start_time", "slots-0-time_zone",
                                "slots-1-start", "slots-1-start_time", "slots-1-time_zone"]
    # The management form goes back with the slots.
    assert page.controls("slots-TOTAL_FORMS")[0].attrs["value"] == "3"
    assert page.controls("slots-INITIAL_FORMS")[0].attrs["value"] == "0"


def test_the_slots_say_what_is_wrong_in_words():
    formset = SLOT_FORMSETS["slots, past, in the gap, twice, unknown zone"]()
    assert not formset.is_valid()
    html = render_form(formset).html
    assert "That time is already past" in html
    assert "2026-03-29 02:30 does not exist in Europe/Berlin" in html
    assert "is not a time zone we know" in html

    twice = SLOT_FORMSETS["slots, a time that happens twice"]()
    assert not twice.is_valid()
    page = render_form(twice)
    assert "2026-10-25 02:30 happens twice in Europe/Berlin" in page.html
    assert [n.attrs["value"] for n in page.controls("slots-0-which")] == ["+02:00", "+01:00"]

    same = SLOT_FORMSETS["slots, the same time twice"]()
    assert not same.is_valid()
    assert "Two proposed slots are the same time. Slots 1 and 2 are both" in alerts(
        render_form(same)
    )

    missing = SLOT_FORMSETS["slots, times without their zone, a zone without its time"]()
    assert not missing.is_valid()
    page = render_form(missing)
    assert "This field is required." in page.by_id("id_slots-0-time_zone_error").text()
    assert "This field is required." in page.by_id("id_slots-1-start_error").text()
    assert "Say which time zone this time is in." in page.by_id(
        "id_slots-2-time_zone_error"
    ).text()


def test_typed_text_and_choices_are_escaped():
    form = forms.OutreachForm(
        {"channel": "email", "purpose": "apology", "result": "sent", "contact": "7",
         "subject": HOSTILE, "text": HOSTILE},
        contacts=contacts(), now=NOW,
    )
    form.is_valid()

    html = render_form(form).html

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&quot;&gt;&lt;script&gt;' in html


def test_an_error_is_linked_to_its_field_with_the_help_text():
    form = forms.LessonsForm({"lessons": ""})
    form.is_valid()

    page = render_form(form)

    (textarea,) = page.controls("lessons")
    assert textarea.attrs["aria-invalid"] == "true"
    assert textarea.described_by() == ["id_lessons_helptext", "id_lessons_error"]
    assert "This field is required." in page.by_id("id_lessons_error").text()
    assert "invalid-feedback" in page.by_id("id_lessons_error").classes()
    assert {"form-control", "is-invalid"} <= textarea.classes()


# --- Unbound forms: crispy's markup, kept in the cache by what it is made of ------------------


def validated_and_rendered(make) -> tuple:
    """The form `make()` builds (validated first if bound, so its errors show) and its page."""
    form = make()
    if form.is_bound:
        form.is_valid()
    return form, render_form(form)


def crispy_include(form) -> str:
    return render_to_string("web/_crispy.html", {"form": form}).strip()


@pytest.mark.parametrize("make", [*FORMS.values(), lambda: SLOT_FORMSETS["slots, unbound"]()[2]],
                         ids=[*FORMS.keys(), "the optional slot"])
def test_the_cached_markup_is_crispys(make):
    form = make()
    if form.is_bound:
        form.is_valid()
        assert form_key(form) == ""  # what was typed and its errors: never cached
    expected = as_crispy_form(make() if not form.is_bound else form).strip()

    assert crispy_include(form) == expected
    assert crispy_include(make() if not form.is_bound else form) == expected  # a cache hit


def test_the_cache_key_changes_with_what_the_form_shows():
    def outreach(people=None, **initial):
        return forms.OutreachForm(contacts=people or contacts(), now=NOW, initial=initial,
                                  auto_id="outreach-%s")

    same = form_key(outreach(purpose="follow_up"))
    assert form_key(outreach(purpose="follow_up")) == same
    renamed = contacts()
    renamed[1].name = "Roberta"
    assert form_key(outreach(renamed, purpose="follow_up")) != same
    assert "Roberta" in crispy_include(outreach(renamed, purpose="follow_up"))
    other_pk = contacts()
    other_pk[1].pk = 10
    assert form_key(outreach(other_pk, purpose="follow_up")) != same
    assert 'value="10"' in crispy_include(outreach(other_pk, purpose="follow_up"))
    assert form_key(outreach(purpose="apology")) != same
    assert form_key(forms.OutreachForm(contacts=contacts(), now=NOW, initial={
        "purpose": "follow_up"})) != same  # other ids
    first, optional = slot_forms.SlotFormSet(now=NOW, zone="UTC")[1:3]
    assert form_key(first) != form_key(optional)
    assert "asteriskField" in crispy_include(first)
    assert "asteriskField" not in crispy_include(optional)
    berlin = slot_forms.SlotFormSet(now=NOW, zone="Europe/Berlin")[2]
    assert 'value="Europe/Berlin"' in crispy_include(berlin)


# --- The incident page, in every phase -----------------------------------------------------------


def consolidating(owner):
    incident = log_incident(owner)
    services.outreach_record(incident=incident, channel="call", result="reached", now=PAGE_NOW)
    start = PAGE_NOW + timedelta(minutes=5)
    services.reschedule_confirm(incident=incident, start=start, time_zone="UTC",
                                duration_minutes=45, format="video", now=PAGE_NOW)
    services.interview_attended(incident=incident, now=start + timedelta(hours=1))
    return incident


def confirmed(owner):
    incident = log_incident(owner)
    services.outreach_record(incident=incident, channel="call", result="reached", now=PAGE_NOW)
    services.reschedule_confirm(incident=incident, start=PAGE_NOW + timedelta(days=3),
                                time_zone="Asia/Kolkata", duration_minutes=45, format="video",
                                now=PAGE_NOW)
    return incident


def closed(owner):
    incident = log_incident(owner)
    services.incident_close(incident=incident, outcome="moved_on", now=PAGE_NOW)
    return incident


PHASES = {
    # phase: (how to get there, the forms the page shows, by the URL name they post to)
    "contain": (log_incident, {"contact_add", "outreach_add", "reschedule_request",
                               "material_add", "lessons"}),
    "correct, times proposed": (
        lambda owner: walked_incident(owner)["incident"],
        {"contact_add", "outreach_add", "reschedule_reply", "reschedule_request",
         "reschedule_confirm", "material_add", "lessons"},
    ),
    "correct, confirmed": (confirmed, {"contact_add", "outreach_add", "reschedule_confirm",
                                       "material_add", "lessons"}),
    "consolidate": (consolidating, {"contact_add", "outreach_add", "thank_you", "material_add",
                                    "lessons"}),
    "closed": (closed, {"contact_add", "outreach_add", "lessons"}),
}
# Each form of the page has ids of its own: those sharing field names with another by a prefix.
OWN_IDS = {"contact_add": "contact-", "outreach_add": "outreach-", "reschedule_confirm": "confirm-",
           "thank_you": "thank-you-", "reschedule_request": "id_slots-"}


def visible(node: Node) -> bool:
    return node.tag in CONTROLS and node.attrs.get("type") not in ("hidden", "submit", "button")


def forms_by_action(page: Page) -> dict[str, Node]:
    """The page's forms with a field to fill in, by the URL name they post to."""
    return {
        resolve(node.attrs["action"]).url_name: node
        for node in page.nodes
        if node.tag == "form" and node.attrs.get("method") == "post"
        and any(visible(n) for n in node.walk())
    }


@pytest.mark.parametrize("phase", PHASES.keys())
def test_incident_page_labels_point_at_their_own_fields(phase, client, user, clock):
    client.force_login(user)
    make, expected = PHASES[phase]
    incident = make(user)

    response = client.get(reverse("incident_detail", args=[incident.pk]))

    assert response.status_code == 200
    page = parse(response.content.decode())
    assert_labels_and_ids(page)
    assert page.by_id(ZONE_LIST_ID).tag == "datalist"
    by_action = forms_by_action(page)
    assert set(by_action) >= expected, sorted(by_action)
    for name, prefix in OWN_IDS.items():
        if name in by_action:
            ids = [n.attrs.get("id", "") for n in by_action[name].walk() if visible(n)]
            assert ids and all(i.startswith(prefix) for i in ids), (name, ids)
    if "reschedule_request" in by_action:
        request_form = by_action["reschedule_request"]
        names = {n.attrs.get("name") for n in request_form.walk() if n.tag == "input"}
        assert {"slots-TOTAL_FORMS", "slots-INITIAL_FORMS", "slots-0-start",
                "slots-2-time_zone"} <= names
        # Every slot starts in the zone the interview was set in.
        zones = [n.attrs["value"] for n in request_form.walk()
                 if n.attrs.get("name", "").endswith("time_zone")]
        assert zones == [incident.interview_tz] * 3

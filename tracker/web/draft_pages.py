"""The draft page as read for one request: the incident turned into the composer's plain facts,
the draft composed from them for the person picked (?to=, ?variant=), and the small forms that
ask for a fact the draft lacks. The views of draft_views read a `Page` and render it here; the
page (GET) and each of its jobs (a POST) show the same page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from tracker.accounts.services import profile_ensure
from tracker.incidents import phases, selectors
from tracker.incidents.models import Contact, Incident, PromisedMaterial, Reschedule
from tracker.messaging import composer
from tracker.messaging.check import Finding, check
from tracker.messaging.composer import mailto_url
from tracker.reminders import followup  # issue 15: the follow-up's send time

from . import draft_forms as df
from .fields import parse_id, same_named


@dataclass
class DraftData:
    """One incident read for the draft pages: the composer's facts and the rows behind them."""

    incident: Incident
    facts: composer.Facts
    contacts: dict[int, Contact]
    reschedule: Reschedule | None
    phase_facts: phases.Facts
    profile: object


def draft_data(incident: Incident, *, user) -> DraftData:
    """The composer's plain facts from the incident's situation (a fixed number of queries)."""
    profile = profile_ensure(user=user)
    situation = selectors.situation_for(incident)
    # The first contact linked is the point of contact named when the miss was logged.
    contacts = situation.contacts
    r = situation.current
    confirmed = None
    interview = situation.interview
    if interview is not None:
        interviewer = interview.interviewer
        confirmed = composer.Confirmed(
            **same_named(interview, "start", "time_zone", "duration_minutes", "format", "location"),
            interviewer=interviewer.name if interviewer else "",
        )
    materials = [
        m.description
        for m in sorted(situation.materials, key=lambda m: (m.due_on is None, m.due_on, m.pk))
        if m.status == PromisedMaterial.Status.PENDING
    ]
    facts = composer.Facts(
        **same_named(
            incident, "company", "role", "cause", "format", "interview_at", "interview_tz"
        ),
        person=composer.Person(
            full_name=profile.full_name,
            phone=profile.phone,
            time_zone=situation.person_tz,
        ),
        contacts=tuple(contact_info(c) for c in contacts),
        slots=tuple(composer.Slot(s.start, s.time_zone) for s in situation.slots),
        requested_at=r.requested_at if r is not None and situation.slots else None,
        confirmed=confirmed,
        thank_you_topic=incident.thank_you_topic,
        materials=tuple(materials),
    )
    return DraftData(
        incident, facts, {c.pk: c for c in contacts}, r, situation.facts, profile
    )


# Issue 11: the drafts that fit the first hour, in the order they are used.
FIRST_HOUR_DRAFTS = (composer.PHONE_SCRIPT, composer.VOICEMAIL, composer.APOLOGY_EMAIL)
FRONT = 3


def draft_groups(facts: phases.Facts) -> tuple[list[composer.KindInfo], list[composer.KindInfo]]:
    """The two or three drafts that fit now (the first hour's three in Contain; else the
    suggested one and those of the next steps), and the rest behind "More", in the composer's
    order."""
    if facts.phase == phases.CONTAIN:
        front = list(FIRST_HOUR_DRAFTS)
    else:
        front = []
        for kind in [phases.suggested_draft(facts)] + [
            a.draft for a in phases.next_actions(facts)
        ]:
            if kind and kind not in front:
                front.append(kind)
        front = front[:FRONT]
    kinds = composer.KINDS
    return ([kinds[k] for k in front],
            [info for slug, info in kinds.items() if slug not in front])


def contact_info(c: Contact) -> composer.ContactInfo:
    return composer.ContactInfo(
        name=c.name, role=c.role, time_zone=c.time_zone, email=c.email, id=c.pk
    )


@dataclass
class Selection:
    """Who the draft is for and which variant: carried in the query string of every form."""

    to: Contact | None
    variant: str

    def query(self) -> str:
        params = {}
        if self.to is not None:
            params["to"] = self.to.pk
        if self.variant:
            params["variant"] = self.variant
        return f"?{urlencode(params)}" if params else ""


def _selection(request, data: DraftData, info: composer.KindInfo) -> Selection:
    to = data.contacts.get(parse_id(request.GET.get("to")))
    variant = request.GET.get("variant", "")
    return Selection(to=to, variant=variant if variant in info.variants else "")


def incident_and_info(request, pk, kind) -> tuple[Incident, composer.KindInfo]:
    """The person's own incident (404 for anyone else's) and the kind of draft (404 if none)."""
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    info = composer.KINDS.get(kind)
    if info is None:
        raise Http404("There is no such draft.")
    return incident, info


@dataclass
class Page:
    """One draft as read for a request, the same for the page (GET) and for each of its jobs
    (a POST): the incident, the composer's facts, the draft composed from them and who it is
    for (the ?to= and ?variant= of the URL)."""

    incident: Incident
    info: composer.KindInfo
    data: DraftData
    selection: Selection
    composed: composer.Draft
    to: Contact | None
    now: datetime

    def url(self, name: str = "draft", selection: Selection | None = None) -> str:
        """The draft page, or the URL of one of its jobs, with the selection carried."""
        selection = selection or self.selection
        return reverse(name, args=[self.incident.pk, self.info.slug]) + selection.query()


def page_for(request, pk, kind) -> Page:
    incident, info = incident_and_info(request, pk, kind)
    now = timezone.now()
    data = draft_data(incident, user=request.user)
    sel = _selection(request, data, info)
    composed = composer.compose(
        kind, data.facts, now=now, to=contact_info(sel.to) if sel.to else None,
        variant=sel.variant,
    )
    to = data.contacts.get(composed.to.id) if composed.to and composed.to.id else None
    return Page(incident, info, data, sel, composed, to, now)


def mailto(page: Page, subject: str, text: str) -> str:
    if not page.info.is_email:
        return ""
    address = page.to.email if page.to is not None else ""
    return mailto_url(address, subject, text)


def _send_time(page: Page):
    """Issue 15: when to send the follow-up, inside the recipient's working hours."""
    return followup.send_time(selectors.situation_for(page.incident), now=timezone.now())


def render_page(request, page: Page, *, form: df.DraftForm | None = None,
                typed: tuple[str, str] | None = None, form_error: str = "",
                checked: bool = False, fact: tuple[str, object] | None = None):
    """The draft page: as composed (a GET), or with what was posted to one of its jobs kept, the
    edited draft (`form`, `typed`) or a fact form (`fact`: its step and the bound form), with
    its messages."""
    info, composed = page.info, page.composed
    if form is None:
        form = df.DraftForm(initial={"subject": composed.subject, "body": composed.body},
                            kind=info)
    subject, text = typed if typed is not None else (composed.subject, composed.body)
    findings: list[Finding] = []
    if composed.ready or form.is_bound:
        findings = check(text, kind=info.slug)
    limit = {composer.PHONE_SCRIPT: composer.PHONE_WORD_LIMIT,
             composer.VOICEMAIL: composer.VOICEMAIL_WORD_LIMIT}.get(info.slug)
    return render(
        request,
        "web/draft.html",
        {
            "incident": page.incident,
            "info": info,
            "kinds": list(composer.KINDS.values()),
            "front_kinds": (groups := draft_groups(page.data.phase_facts))[0],
            "more_kinds": groups[1],
            "suggested": phases.suggested_draft(page.data.phase_facts),
            "draft": composed,
            "form": form,
            "form_error": form_error,
            "findings": findings,
            "checked": checked,
            "edited": form.is_bound,
            "mailto": mailto(page, subject, text),
            "to": page.to,
            "named_contacts": [c for c in page.data.contacts.values() if c.name.strip()],
            "selection": page.selection,
            "page_url": page.url(),
            "check_url": page.url("draft_check"),
            "record_url": page.url("draft_record"),
            "words": len(text.split()),
            "word_limit": limit,
            "send_time": _send_time(page) if info.slug == composer.FOLLOW_UP else None,
            "asks": _asks(page, _fact_forms(page, bound=fact)),
            "wants_slots": composer.NEED_SLOTS in composed.improve,
            "missing": composed.missing,
        },
    )


# --- Asking for a missing fact -------------------------------------------------------------

# What the page says when a draft needs a fact; the fact form that saves it (None: done
# elsewhere).
NEEDS = {
    composer.NEED_NAME: ("Your full name, to sign the message.", df.NAME),
    composer.NEED_CONTACT: ("Who you are writing to: their name.", df.CONTACT),
    composer.NEED_RECRUITER: (
        "The recruiter, HR person or scheduling coordinator who can help.", df.CONTACT
    ),
    composer.NEED_SLOTS: ("Two or three new times you can do, in their time zone.", df.SLOTS),
    composer.NEED_CONFIRMED: ("The agreed new time: confirm it on the incident page first.", None),
    composer.NEED_TOPIC: ("Something specific you talked about, for the note to name.", df.TOPIC),
    composer.NEED_MATERIALS: ("What you promised to send.", df.MATERIAL),
}
# The URL each fact form posts to.
FACT_URLS = {
    df.NAME: "draft_name",
    df.CONTACT: "draft_contact",
    df.SLOTS: "draft_slots",
    df.TOPIC: "draft_topic",
    df.MATERIAL: "draft_material",
}


@dataclass
class Ask:
    need: str
    label: str
    step: str | None
    form: object
    required: bool
    action: str = ""


def _asks(page: Page, forms: dict) -> list[Ask]:
    composed = page.composed
    asks = []
    for need, required in [(n, True) for n in composed.missing] + [
        (n, False) for n in composed.improve
    ]:
        label, step = NEEDS[need]
        asks.append(Ask(need, label, step, forms.get(step) if step else None, required,
                        page.url(FACT_URLS[step]) if step else ""))
    return asks


def fact_form(page: Page, step: str, data=None):
    """The small form for one fact this draft lacks (or would be better with), bound to `data`
    if given; None if the draft does not ask for that fact."""
    composed, profile = page.composed, page.data.profile
    wanted = set(composed.missing) | set(composed.improve)
    if step == df.NAME and composer.NEED_NAME in wanted:
        return df.NameForm(
            data, prefix="name",
            initial={"full_name": profile.full_name, "phone": profile.phone},
        )
    if step == df.CONTACT and wanted & {composer.NEED_CONTACT, composer.NEED_RECRUITER}:
        cls = df.RecruiterForm if composer.NEED_RECRUITER in wanted else df.ContactForm
        return cls(data, prefix="contact", initial={"time_zone": page.incident.interview_tz})
    if step == df.SLOTS and composer.NEED_SLOTS in wanted:
        # The incident page's slot formset (slots-0-start, ... and its management form), each
        # slot starting in the zone of the people the times are sent to.
        return df.SlotFormSet(data, now=page.now, zone=composer.interviewer_tz(page.data.facts),
                             person_tz=page.data.facts.person.time_zone)
    if step == df.TOPIC and composer.NEED_TOPIC in wanted:
        return df.TopicForm(data, prefix="topic")
    if step == df.MATERIAL and composer.NEED_MATERIALS in wanted:
        return df.MaterialForm(data, prefix="material")
    return None


def _fact_forms(page: Page, *, bound: tuple[str, object] | None = None) -> dict:
    """The small forms for the facts this draft lacks (or would be better with); `bound`, the
    one just posted (its step and form), in its place."""
    forms = {}
    for step in df.FACTS:
        form = bound[1] if bound is not None and bound[0] == step else fact_form(page, step)
        if form is not None:
            forms[step] = form
    return forms

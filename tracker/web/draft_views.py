"""The draft pages: every message of the composer, filled from the incident, to edit, check,
copy, open in the mail client and record as sent.

The page (GET) reads the incident (owner-scoped), turns it into the composer's plain facts, and
hands them to the pure composer and check with `now`. Where a draft needs a fact that is missing,
the page asks for it with a small form. Each thing the page does is its own URL and view, a POST
of one shape: the owner's incident, a form, one service call, then a redirect to a page, or the
draft page again with the message and what was typed (draft_check, draft_record, and one view
per fact: draft_name, draft_contact, draft_slots, draft_topic, draft_material). Everything works
without JavaScript; static/js/draft.js only re-runs the check (draft_check) as the person types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from tracker.accounts.services import profile_ensure, profile_update
from tracker.incidents import phases, selectors, services
from tracker.incidents.models import Contact, Incident, PromisedMaterial, Reschedule
from tracker.incidents.services import TransitionRefused
from tracker.messaging import composer
from tracker.messaging.check import Finding, check
from tracker.messaging.composer import mailto_url

from . import draft_forms as df
from .forms import parse_id


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
            start=interview.start,
            time_zone=interview.time_zone,
            duration_minutes=interview.duration_minutes,
            format=interview.format,
            location=interview.location,
            interviewer=interviewer.name if interviewer else "",
        )
    materials = [
        m.description
        for m in sorted(situation.materials, key=lambda m: (m.due_on is None, m.due_on, m.pk))
        if m.status == PromisedMaterial.Status.PENDING
    ]
    facts = composer.Facts(
        company=incident.company,
        role=incident.role,
        cause=incident.cause,
        format=incident.format,
        interview_at=incident.interview_at,
        interview_tz=incident.interview_tz,
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


def contact_info(c: Contact) -> composer.ContactInfo:
    return composer.ContactInfo(
        name=c.name, role=c.role, time_zone=c.time_zone, email=c.email, id=c.pk
    )


def suggested_kind(f: phases.Facts) -> str | None:
    return phases.suggested_draft(f)


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


# --- The index ---------------------------------------------------------------------------


@require_safe
def drafts(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    data = draft_data(incident, user=request.user)
    suggested = suggested_kind(data.phase_facts)
    return render(
        request,
        "web/drafts.html",
        {
            "incident": incident,
            "kinds": list(composer.KINDS.values()),
            "suggested": suggested,
        },
    )


# --- One draft ---------------------------------------------------------------------------


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


def _incident_and_info(request, pk, kind) -> tuple[Incident, composer.KindInfo]:
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


def _page(request, pk, kind) -> Page:
    incident, info = _incident_and_info(request, pk, kind)
    now = timezone.now()
    data = draft_data(incident, user=request.user)
    sel = _selection(request, data, info)
    composed = composer.compose(
        kind, data.facts, now=now, to=contact_info(sel.to) if sel.to else None,
        variant=sel.variant,
    )
    to = data.contacts.get(composed.to.id) if composed.to and composed.to.id else None
    return Page(incident, info, data, sel, composed, to, now)


def _findings_json(findings: list[Finding]) -> list[dict]:
    return [
        {"rule": f.rule, "title": f.title, "sentence": f.sentence, "why": f.why, "fix": f.fix}
        for f in findings
    ]


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _typed(request, form: df.DraftForm) -> tuple[str, str]:
    """The subject and text as the person typed them: cleaned when the form is valid (one kind
    of line break), as posted when not."""
    if form.is_valid():
        return form.cleaned_data.get("subject", ""), form.cleaned_data["body"]
    return request.POST.get("subject", ""), request.POST.get("body", "")


def _mailto(page: Page, subject: str, text: str) -> str:
    if not page.info.is_email:
        return ""
    address = page.to.email if page.to is not None else ""
    return mailto_url(address, subject, text)


def _render(request, page: Page, *, form: df.DraftForm | None = None,
            typed: tuple[str, str] | None = None, form_error: str = "", checked: bool = False,
            fact: tuple[str, object] | None = None):
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
            "suggested": suggested_kind(page.data.phase_facts),
            "draft": composed,
            "form": form,
            "form_error": form_error,
            "findings": findings,
            "checked": checked,
            "edited": form.is_bound,
            "mailto": _mailto(page, subject, text),
            "to": page.to,
            "named_contacts": [c for c in page.data.contacts.values() if c.name.strip()],
            "selection": page.selection,
            "page_url": page.url(),
            "check_url": page.url("draft_check"),
            "record_url": page.url("draft_record"),
            "words": len(text.split()),
            "word_limit": limit,
            "asks": _asks(page, _fact_forms(page, bound=fact)),
            "wants_slots": composer.NEED_SLOTS in composed.improve,
            "missing": composed.missing,
        },
    )


@require_safe
def draft(request, pk, kind):
    """The draft page. Its forms post to the jobs below, each at its own URL."""
    return _render(request, _page(request, pk, kind))


# --- The jobs of the draft page: one URL each ----------------------------------------------


def _job(view):
    """A job of the draft page takes a POST. A GET of its URL (a bookmark, or the log-in page
    sending the person back after their session ran out mid-post) goes to the draft page,
    after the same owner check: another person's incident is a 404 either way."""

    @require_http_methods(["GET", "POST"])
    @wraps(view)
    def job(request, pk, kind):
        if request.method == "POST":
            return view(request, pk, kind)
        incident, info = _incident_and_info(request, pk, kind)
        params = {k: request.GET[k] for k in ("to", "variant") if request.GET.get(k)}
        query = f"?{urlencode(params)}" if params else ""
        return redirect(reverse("draft", args=[incident.pk, info.slug]) + query)

    return job


@_job
def draft_check(request, pk, kind):
    """Check the text as edited: the page again with the findings (nothing is saved), or the
    findings as JSON for the live check of static/js/draft.js."""
    page = _page(request, pk, kind)
    form = df.DraftForm(request.POST, kind=page.info)
    subject, text = _typed(request, form)
    if _wants_json(request):
        return JsonResponse(
            {
                "findings": _findings_json(check(text, kind=page.info.slug)),
                "mailto": _mailto(page, subject, text),
                "words": len(text.split()),
                "errors": form.errors.get_json_data() if form.errors else {},
            }
        )
    return _render(request, page, form=form, typed=(subject, text), checked=True)


@_job
def draft_record(request, pk, kind):
    """Record the draft as sent (or the call made) with the text as edited."""
    page = _page(request, pk, kind)
    incident, info = page.incident, page.info
    form = df.DraftForm(request.POST, kind=info)
    subject, text = _typed(request, form)
    form_error = ""
    if form.is_valid():
        result = form.outreach_result()
        if not result:
            form.add_error("result", "Say whether anyone answered.")
        else:
            try:
                outreach = services.outreach_record(
                    incident=incident,
                    channel=info.channel,
                    result=result,
                    purpose=info.purpose,
                    contact=page.to,
                    subject=subject if info.is_email else "",
                    text=text,
                    actor=request.user,
                    now=page.now,
                )
            except (TransitionRefused, ValidationError) as exc:
                form_error = _refusal(exc)
            else:
                incident.refresh_from_db()
                messages.success(
                    request,
                    f"Recorded: {outreach.get_purpose_display().lower()} "
                    f"({outreach.get_channel_display().lower()}). "
                    f"Phase: {incident.get_phase_display()}.",
                )
                return redirect("drafts", pk=incident.pk)
    return _render(request, page, form=form, typed=(subject, text), form_error=form_error)


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


def _fact_form(page: Page, step: str, data=None):
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
        return df.RescheduleRequestForm(
            data, now=page.now, zone=composer.interviewer_tz(page.data.facts)
        )
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
        form = bound[1] if bound is not None and bound[0] == step else _fact_form(page, step)
        if form is not None:
            forms[step] = form
    return forms


def _fact_posted(request, page: Page, step: str):
    """The posted fact form, or None if this draft does not ask for that fact (any more: saved
    from another tab, or the form sent twice), so nothing is saved twice."""
    form = _fact_form(page, step, request.POST)
    if form is None:
        messages.info(request, "This draft does not ask for that now; nothing was saved.")
    return form


def _fact_refused(form, exc: Exception) -> None:
    if isinstance(form, df.RescheduleRequestForm):
        form.non_field_errors.append(_refusal(exc))
    else:
        form.add_error(None, _refusal(exc))


def _fact_saved(request, page: Page, message: str, *, to: Contact | None = None):
    """Back to the draft (for `to`, a contact just added), now written with the fact."""
    messages.success(request, message)
    target = Selection(to=to or page.selection.to, variant=page.selection.variant)
    return redirect(page.url(selection=target))


@_job
def draft_name(request, pk, kind):
    """Save the person's name (and phone) to their profile, to sign the draft."""
    page = _page(request, pk, kind)
    form = _fact_posted(request, page, df.NAME)
    if form is None:
        return redirect(page.url())
    if form.is_valid():
        p = page.data.profile
        try:
            profile_update(
                profile=p, full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"] or p.phone, time_zone=p.time_zone,
                partner_email=p.partner_email, reminders_off=p.reminders_off or [],
                now=page.now,
            )
        except (TransitionRefused, ValidationError) as exc:
            _fact_refused(form, exc)
        else:
            return _fact_saved(request, page, "Saved your name.")
    return _render(request, page, fact=(df.NAME, form))


@_job
def draft_contact(request, pk, kind):
    """Add the contact the draft is written to; the draft is then addressed to them."""
    page = _page(request, pk, kind)
    form = _fact_posted(request, page, df.CONTACT)
    if form is None:
        return redirect(page.url())
    if form.is_valid():
        try:
            contact = services.contact_save(
                owner=request.user, incident=page.incident, now=page.now, **form.cleaned_data
            )
        except (TransitionRefused, ValidationError) as exc:
            _fact_refused(form, exc)
        else:
            return _fact_saved(request, page, f"Added {contact.name}.", to=contact)
    return _render(request, page, fact=(df.CONTACT, form))


@_job
def draft_slots(request, pk, kind):
    """Propose two or three new times: the reschedule request the draft offers."""
    page = _page(request, pk, kind)
    form = _fact_posted(request, page, df.SLOTS)
    if form is None:
        return redirect(page.url())
    if form.is_valid():
        try:
            services.reschedule_request(
                incident=page.incident, slots=form.cleaned_slots(), actor=request.user,
                now=page.now,
            )
        except (TransitionRefused, ValidationError) as exc:
            _fact_refused(form, exc)
        else:
            return _fact_saved(request, page, "Saved the times you propose.")
    return _render(request, page, fact=(df.SLOTS, form))


@_job
def draft_topic(request, pk, kind):
    """Save the topic of the conversation, for the thank-you note to name."""
    page = _page(request, pk, kind)
    form = _fact_posted(request, page, df.TOPIC)
    if form is None:
        return redirect(page.url())
    if form.is_valid():
        try:
            services.incident_update(
                incident=page.incident, actor=request.user, now=page.now,
                thank_you_topic=form.cleaned_data["thank_you_topic"],
            )
        except (TransitionRefused, ValidationError) as exc:
            _fact_refused(form, exc)
        else:
            return _fact_saved(request, page, "Saved the topic.")
    return _render(request, page, fact=(df.TOPIC, form))


@_job
def draft_material(request, pk, kind):
    """Add what the person promised to send, for the cover note to list."""
    page = _page(request, pk, kind)
    form = _fact_posted(request, page, df.MATERIAL)
    if form is None:
        return redirect(page.url())
    if form.is_valid():
        try:
            services.material_add(
                incident=page.incident, actor=request.user, now=page.now,
                description=form.cleaned_data["description"],
                due_on=form.cleaned_data.get("due_on"),
            )
        except (TransitionRefused, ValidationError) as exc:
            _fact_refused(form, exc)
        else:
            return _fact_saved(request, page, "Added what you promised.")
    return _render(request, page, fact=(df.MATERIAL, form))

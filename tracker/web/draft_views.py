"""The draft pages: every message of the composer, filled from the incident, to edit, check,
copy, open in the mail client and record as sent.

The view reads the incident (owner-scoped), turns it into the composer's plain facts, and hands
them to the pure composer and check with `now`. Where a draft needs a fact that is missing, the
page asks for it with a small form and saves it through a service. Everything works without
JavaScript; static/js/draft.js only re-runs the check as the person types.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """Read what the composer needs (a handful of queries) into plain dataclasses."""
    profile = profile_ensure(user=user)
    # The first contact linked is the point of contact named when the miss was logged.
    contacts = list(incident.contacts.order_by("pk"))
    r = selectors.current_reschedule(incident)
    slots = list(r.slots.all()) if r is not None else []
    confirmed = None
    if r is not None and r.is_confirmed:
        interviewer = r.interviewer
        confirmed = composer.Confirmed(
            start=r.start,
            time_zone=r.time_zone,
            duration_minutes=r.duration_minutes,
            format=r.format,
            location=r.location,
            interviewer=interviewer.name if interviewer else "",
        )
    materials = list(
        incident.materials.filter(status=PromisedMaterial.Status.PENDING)
        .order_by("due_on", "pk")
        .values_list("description", flat=True)
    )
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
            # The incident's own record of where the person was (they may be travelling).
            time_zone=incident.candidate_tz or profile.time_zone,
        ),
        contacts=tuple(contact_info(c) for c in contacts),
        slots=tuple(composer.Slot(s.start, s.time_zone) for s in slots),
        requested_at=r.requested_at if r is not None and slots else None,
        confirmed=confirmed,
        thank_you_topic=incident.thank_you_topic,
        materials=tuple(materials),
    )
    phase_facts = selectors.facts_from(
        incident, reschedule=r, has_slots=bool(slots), materials_open=len(materials)
    )
    return DraftData(incident, facts, {c.pk: c for c in contacts}, r, phase_facts, profile)


def contact_info(c: Contact) -> composer.ContactInfo:
    return composer.ContactInfo(
        name=c.name, role=c.role, time_zone=c.time_zone, email=c.email, id=c.pk
    )


def suggested_kind(f: phases.Facts) -> str | None:
    return composer.suggested_kind(
        phase=f.phase,
        outcome=f.outcome,
        reschedule_requested=f.reschedule_requested,
        reply=f.reply,
        followed_up=f.followed_up,
        confirmed=f.confirmed,
        thank_you_sent=f.thank_you_sent,
        materials_open=f.materials_open,
    )


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


def _findings_json(findings: list[Finding]) -> list[dict]:
    return [
        {"rule": f.rule, "title": f.title, "sentence": f.sentence, "why": f.why, "fix": f.fix}
        for f in findings
    ]


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_http_methods(["GET", "POST"])
def draft(request, pk, kind):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    info = composer.KINDS.get(kind)
    if info is None:
        raise Http404("There is no such draft.")
    now = timezone.now()
    data = draft_data(incident, user=request.user)
    sel = _selection(request, data, info)
    page_url = reverse("draft", args=[incident.pk, kind]) + sel.query()
    composed = composer.compose(
        kind, data.facts, now=now, to=contact_info(sel.to) if sel.to else None,
        variant=sel.variant,
    )
    to = data.contacts.get(composed.to.id) if composed.to and composed.to.id else None

    step = request.POST.get("step", "") if request.method == "POST" else ""
    fact_forms = _fact_forms(request, data, composed, step=step, now=now)
    form_error = ""
    if step in df.FACT_STEPS:
        saved = _save_fact(request, data, step, fact_forms, now=now)
        if saved is not None:
            messages.success(request, saved.message)
            target = Selection(to=saved.to or sel.to, variant=sel.variant)
            return redirect(reverse("draft", args=[incident.pk, kind]) + target.query())

    if step in (df.CHECK, df.RECORD):
        form = df.DraftForm(request.POST, kind=info)
    else:
        form = df.DraftForm(initial={"subject": composed.subject, "body": composed.body},
                            kind=info)

    findings: list[Finding] = []
    text = composed.body
    subject = composed.subject
    if form.is_bound:
        if form.is_valid():
            text = form.cleaned_data["body"]
            subject = form.cleaned_data.get("subject", "")
        else:
            text = request.POST.get("body", "")
            subject = request.POST.get("subject", "")

    if step == df.RECORD and form.is_valid():
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
                    contact=to,
                    subject=subject if info.is_email else "",
                    text=text,
                    actor=request.user,
                    now=now,
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

    if composed.ready or form.is_bound:
        findings = check(text, kind=kind)
    address = to.email if to is not None else ""
    mailto = mailto_url(address, subject, text) if info.is_email else ""

    if step == df.CHECK and _wants_json(request):
        return JsonResponse(
            {
                "findings": _findings_json(findings),
                "mailto": mailto,
                "words": len(text.split()),
                "errors": form.errors.get_json_data() if form.errors else {},
            }
        )

    limit = {composer.PHONE_SCRIPT: composer.PHONE_WORD_LIMIT,
             composer.VOICEMAIL: composer.VOICEMAIL_WORD_LIMIT}.get(kind)
    return render(
        request,
        "web/draft.html",
        {
            "incident": incident,
            "info": info,
            "kinds": list(composer.KINDS.values()),
            "suggested": suggested_kind(data.phase_facts),
            "draft": composed,
            "form": form,
            "form_error": form_error,
            "findings": findings,
            "checked": step == df.CHECK,
            "edited": form.is_bound,
            "mailto": mailto,
            "to": to,
            "named_contacts": [c for c in data.contacts.values() if c.name.strip()],
            "selection": sel,
            "page_url": page_url,
            "words": len(text.split()),
            "word_limit": limit,
            "asks": _asks(composed, fact_forms),
            "wants_slots": composer.NEED_SLOTS in composed.improve,
            "missing": composed.missing,
        },
    )


# --- Asking for a missing fact -------------------------------------------------------------

# What the page says when a draft needs a fact; the step of its form (None: done elsewhere).
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


@dataclass
class Ask:
    need: str
    label: str
    step: str | None
    form: object
    required: bool


def _asks(composed: composer.Draft, forms: dict) -> list[Ask]:
    asks = []
    for need, required in [(n, True) for n in composed.missing] + [
        (n, False) for n in composed.improve
    ]:
        label, step = NEEDS[need]
        asks.append(Ask(need, label, step, forms.get(step) if step else None, required))
    return asks



def _fact_forms(request, data: DraftData, composed: composer.Draft, *, step: str, now) -> dict:
    """The small forms for the facts this draft lacks (or would be better with)."""
    wanted = set(composed.missing) | set(composed.improve)
    post = request.POST if request.method == "POST" else None
    forms: dict = {}
    if composer.NEED_NAME in wanted:
        forms[df.NAME] = df.NameForm(
            post if step == df.NAME else None,
            prefix="name",
            initial={"full_name": data.profile.full_name, "phone": data.profile.phone},
        )
    if composer.NEED_CONTACT in wanted or composer.NEED_RECRUITER in wanted:
        cls = df.RecruiterForm if composer.NEED_RECRUITER in wanted else df.ContactForm
        forms[df.CONTACT] = cls(
            post if step == df.CONTACT else None,
            prefix="contact",
            initial={"time_zone": data.incident.interview_tz},
        )
    if composer.NEED_SLOTS in wanted:
        forms[df.SLOTS] = df.RescheduleRequestForm(
            post if step == df.SLOTS else None,
            now=now,
            zone=composer.interviewer_tz(data.facts),
        )
    if composer.NEED_TOPIC in wanted:
        forms[df.TOPIC] = df.TopicForm(post if step == df.TOPIC else None, prefix="topic")
    if composer.NEED_MATERIALS in wanted:
        forms[df.MATERIAL] = df.MaterialForm(
            post if step == df.MATERIAL else None, prefix="material"
        )
    return forms


@dataclass
class Saved:
    message: str
    to: Contact | None = None


def _save_fact(request, data: DraftData, step: str, forms: dict, *, now) -> Saved | None:
    """Save the posted fact through its service; None (with errors on the form) if not."""
    form = forms.get(step)
    if form is None:
        return None
    incident, user = data.incident, request.user
    if not form.is_valid():
        return None
    try:
        if step == df.NAME:
            p = data.profile
            profile_update(
                profile=p, full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"] or p.phone, time_zone=p.time_zone,
                partner_email=p.partner_email, reminders_off=p.reminders_off or [], now=now,
            )
            return Saved("Saved your name.")
        if step == df.CONTACT:
            contact = services.contact_save(
                owner=user, incident=incident, now=now, **form.cleaned_data
            )
            return Saved(f"Added {contact.name}.", to=contact)
        if step == df.SLOTS:
            services.reschedule_request(
                incident=incident, slots=form.cleaned_slots(), actor=user, now=now
            )
            return Saved("Saved the times you propose.")
        if step == df.TOPIC:
            services.incident_update(
                incident=incident, actor=user, now=now,
                thank_you_topic=form.cleaned_data["thank_you_topic"],
            )
            return Saved("Saved the topic.")
        if step == df.MATERIAL:
            services.material_add(
                incident=incident, actor=user, now=now,
                description=form.cleaned_data["description"],
                due_on=form.cleaned_data.get("due_on"),
            )
            return Saved("Added what you promised.")
    except (TransitionRefused, ValidationError) as exc:
        if isinstance(form, df.RescheduleRequestForm):
            form.non_field_errors.append(_refusal(exc))
        else:
            form.add_error(None, _refusal(exc))
    return None

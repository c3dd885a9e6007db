"""The person's pages: dashboard, "I missed an interview", the incident page with its small
write views, and the history.

Every object is fetched through a `selectors.*_get_for_user` (another person's object is a 404
for reading and writing). Every write is a POST handled by one service call, then a redirect
back to the incident page with a message (POST/redirect/GET). A refusal from the rules
(`TransitionRefused`) or a bad value re-renders the form with the message and what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from tracker.incidents import phases, selectors, services
from tracker.incidents.models import Contact, Incident, PromisedMaterial, Reschedule, Safeguard
from tracker.incidents.services import TransitionRefused
from tracker.messaging import composer

from . import forms

DASHBOARD_PAGE_SIZE = 50

# The section of the incident page each next action (phases.Action.code) links to; the draft
# to write for it, if any, comes from the composer.
ACTION_ANCHORS: dict[str, str] = {
    "apology": "outreach",
    "outreach": "outreach",
    "request": "reschedule",
    "reply": "reply",
    "follow_up": "outreach",
    "close_no_response": "close",
    "confirm": "confirm",
    "safeguards": "safeguards",
    "attended": "reschedule",
    "thank_you": "thank-you",
    "materials": "materials",
    "lessons": "lessons",
    "close": "close",
    "reopen": "close",
}

PHASE_STEPS = (
    (phases.CONTAIN, "Contain", "The first hour: apologise, offer times"),
    (phases.CORRECT, "Correct", "Reschedule, confirm, safeguards"),
    (phases.CONSOLIDATE, "Consolidate", "Thank-you, materials, lessons"),
    (phases.CLOSED, "Closed", "Outcome recorded"),
)


# --- Facts from prefetched data (no queries) ---------------------------------------------


def current_of(reschedules) -> Reschedule | None:
    """The reschedule in play, as services.current_reschedule picks it, from a loaded list."""
    live = [r for r in reschedules if r.cancelled_at is None]
    return max(live, key=lambda r: (r.requested_at, r.pk)) if live else None


def facts_of(incident: Incident, current: Reschedule | None, materials_open: int) -> phases.Facts:
    """The facts `phases` decides on, from objects already loaded (slots prefetched)."""
    return selectors.facts_from(
        incident,
        reschedule=current,
        has_slots=current is not None and bool(current.slots.all()),
        materials_open=materials_open,
    )


@dataclass
class ActionLink:
    label: str
    href: str
    draft_href: str | None


def action_links(
    incident: Incident, facts: phases.Facts, *, on_page: bool, limit: int | None = None
) -> list[ActionLink]:
    """The next actions as links; `limit` keeps the first few (each costs URL reversals)."""
    base = "" if on_page else reverse("incident_detail", args=[incident.pk])
    links = []
    for action in phases.next_actions(facts)[:limit]:
        anchor = ACTION_ANCHORS.get(action.code, "")
        draft = composer.kind_for_action(action.code)
        links.append(
            ActionLink(
                label=action.label,
                href=f"{base}#{anchor}" if anchor else base or "#",
                draft_href=reverse("draft", args=[incident.pk, draft]) if draft else None,
            )
        )
    return links


def stepper(phase: str) -> list[dict]:
    order = [p for p, _, _ in PHASE_STEPS]
    here = order.index(phase) if phase in order else 0
    return [
        {
            "label": label,
            "hint": hint,
            "state": "done" if i < here else ("current" if i == here else "todo"),
        }
        for i, (_, label, hint) in enumerate(PHASE_STEPS)
    ]


def clock_of(incident: Incident, now) -> phases.FirstHourClock:
    return phases.first_hour_clock(
        discovered_at=incident.discovered_at, first_outreach_at=incident.first_outreach_at, now=now
    )


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _data(request):
    """The posted data for a POST (bound even when empty), None for a GET."""
    return request.POST if request.method == "POST" else None


def _back(incident_pk: int, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("incident_detail", args=[incident_pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- Dashboard -----------------------------------------------------------------------------


@dataclass
class DashboardRow:
    incident: Incident
    actions: list[ActionLink]
    clock: phases.FirstHourClock | None
    current: Reschedule | None


@require_safe
def dashboard(request):
    now = timezone.now()
    qs = selectors.open_incidents_for_dashboard(user=request.user)
    page = Paginator(qs, DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    groups: dict[str, list[DashboardRow]] = {p: [] for p in phases.OPEN_PHASES}
    for incident in page.object_list:
        current = incident.live_reschedules[0] if incident.live_reschedules else None
        facts = selectors.dashboard_facts(incident)
        groups.setdefault(incident.phase, []).append(
            DashboardRow(
                incident=incident,
                # A row shows only the most urgent action.
                actions=action_links(incident, facts, on_page=False, limit=1),
                clock=clock_of(incident, now) if incident.phase == phases.CONTAIN else None,
                current=current if current and current.is_confirmed else None,
            )
        )
    labels = dict(Incident.Phase.choices)
    return render(
        request,
        "web/dashboard.html",
        {
            "page": page,
            "groups": [(p, labels[p], rows) for p, rows in groups.items() if rows],
        },
    )


# --- "I missed an interview" ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def incident_log(request):
    now = timezone.now()
    zone = request.user.profile.time_zone
    if request.method == "POST":
        form = forms.IncidentLogForm(request.POST, now=now)
        if form.is_valid():
            try:
                incident = services.incident_log(
                    owner=request.user, now=now, **form.service_kwargs()
                )
            except (TransitionRefused, ValidationError) as exc:
                form.add_error(None, _refusal(exc))
            else:
                messages.success(
                    request,
                    "Logged. The first hour counts: call, leave a voicemail or send the apology "
                    "email now.",
                )
                return _back(incident.pk)
    else:
        form = forms.IncidentLogForm(
            now=now, initial={"interview_tz": zone, "candidate_tz": zone}
        )
    return render(request, "web/incident_log.html", {"form": form})


@require_http_methods(["GET", "POST"])
def incident_edit(request, pk):
    """'Edit details': company, role, the interview's local time and zones, format, cause,
    notes. A closed incident is refused by the service (reopen it first)."""
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    now = timezone.now()
    form = forms.IncidentEditForm(
        _data(request), now=now, initial=forms.IncidentEditForm.initial_for(incident)
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.incident_update(
                    incident=incident, actor=request.user, now=now, **form.service_kwargs()
                )
            except (TransitionRefused, ValidationError) as exc:
                form.add_error(None, _refusal(exc))
            else:
                messages.success(request, "Details saved.")
                return _back(incident.pk)
    else:
        try:
            phases.require_open(selectors.incident_facts(incident), "edit its details")
        except TransitionRefused as exc:
            messages.warning(request, str(exc))
    return _form_page(
        request, incident, title="Edit details", form=form,
        action=reverse("incident_edit", args=[incident.pk]), anchor="", zones=True,
    )


# --- The incident page ---------------------------------------------------------------------


def _loaded(incident: Incident, attr: str, manager) -> list:
    """The list `selectors.incident_detail(recent=...)` loaded, else the prefetched rows."""
    rows = getattr(incident, attr, None)
    return list(manager.all()) if rows is None else rows


@dataclass
class DetailView:
    """What the incident page shows, built from one `selectors.incident_detail` load."""

    incident: Incident
    now: object
    # Set when the incident was read with `selectors.incident_detail(recent=...)`.
    recent: int | None = None
    contacts: list[Contact] = field(init=False)
    reschedules: list[Reschedule] = field(init=False)
    current: Reschedule | None = field(init=False)
    materials: list[PromisedMaterial] = field(init=False)
    facts: phases.Facts = field(init=False)

    def __post_init__(self):
        i = self.incident
        self.contacts = list(i.contacts.all())
        self.reschedules = list(i.reschedules.all())
        self.current = current_of(self.reschedules)
        self.materials = list(i.materials.all())
        pending = PromisedMaterial.Status.PENDING
        open_materials = sum(1 for m in self.materials if m.status == pending)
        self.facts = facts_of(i, self.current, open_materials)

    def confirm_initial(self) -> dict:
        i, r = self.incident, self.current
        initial = {
            "time_zone": i.interview_tz,
            "format": i.format,
            "duration_minutes": 45,
        }
        interviewers = [c for c in self.contacts if c.role == Contact.Role.INTERVIEWER]
        if interviewers:
            initial["interviewer"] = str(interviewers[0].pk)
        if r is not None and r.is_confirmed:
            initial.update(
                start=forms.wall_time_in(r.start, r.time_zone),
                time_zone=r.time_zone,
                duration_minutes=r.duration_minutes,
                format=r.format or i.format,
                location=r.location,
                interviewer=str(r.interviewer_id or ""),
            )
        elif r is not None and r.accepted_slot is not None:
            slot = next((s for s in r.slots.all() if s.pk == r.accepted_slot_id), r.accepted_slot)
            initial.update(
                start=forms.wall_time_in(slot.start, slot.time_zone), time_zone=slot.time_zone
            )
        return initial

    def outreach_initial(self) -> dict:
        """The purpose the next outreach most likely has, so recording it is one tap."""
        f = self.facts
        if f.phase == phases.CONTAIN:
            purpose = "apology"
        elif f.confirmed:
            purpose = "confirmation"
        elif f.phase == phases.CORRECT and f.reschedule_requested and f.reply == "pending":
            purpose = "follow_up"
        elif f.phase == phases.CORRECT:
            purpose = "reschedule"
        else:
            purpose = "other"
        contacts = self.contacts
        return {"purpose": purpose, "contact": str(contacts[0].pk) if len(contacts) == 1 else ""}

    def latest(self, items, key) -> tuple[list, bool]:
        """Oldest first, and whether older ones were left out (see `recent`)."""
        items = sorted(items, key=key)
        if self.recent is not None and len(items) > self.recent:
            return items[-self.recent :], True
        return items, False

    def close_options(self) -> list[dict]:
        return [
            {"value": value, "label": label, "blockers": phases.close_blockers(self.facts, value)}
            for value, label in Incident.Outcome.choices
        ]

    def context(self, **overrides) -> dict:
        i, now = self.incident, self.now
        r = self.current
        outreach, outreach_more = self.latest(
            _loaded(i, "recent_outreach", i.outreach), lambda o: (o.occurred_at, o.pk)
        )
        timeline, timeline_more = self.latest(
            _loaded(i, "recent_timeline", i.timeline), lambda e: (e.at, e.pk)
        )
        ctx = {
            "incident": i,
            "facts": self.facts,
            "steps": stepper(i.phase),
            "actions": action_links(i, self.facts, on_page=True),
            "clock": clock_of(i, now),
            "contacts": self.contacts,
            "outreach": outreach,
            "outreach_more": outreach_more,
            "recent": self.recent,
            "reschedules": self.reschedules,
            "current": r,
            "safeguards": list(i.safeguards.all()),
            "materials": self.materials,
            "timeline": timeline,
            "timeline_more": timeline_more,
            "close_options": self.close_options(),
            "is_open": i.phase != phases.CLOSED,
            "can_request": i.phase in (phases.CONTAIN, phases.CORRECT)
            and not (r is not None and r.is_confirmed),
            "can_reply": r is not None and r.reply == Reschedule.Reply.PENDING
            and bool(r.slots.all()) and i.phase == phases.CORRECT,
            "can_confirm": i.phase == phases.CORRECT,
            "can_attend": self.facts.confirmed and i.phase == phases.CORRECT,
            "can_thank": i.phase == phases.CONSOLIDATE and not self.facts.thank_you_sent,
        }
        # Several forms share field names (time_zone, contact, text): each gets its own ids, so
        # every label on the page points at its own field. Only the forms this phase shows
        # are built (each costs its fields' deep copies); the others have their own pages.
        ctx["outreach_form"] = forms.OutreachForm(
            contacts=self.contacts, now=now, initial=self.outreach_initial(), auto_id="outreach-%s"
        )
        ctx["contact_form"] = forms.ContactForm(
            initial={"time_zone": i.interview_tz}, auto_id="contact-%s"
        )
        if ctx["can_request"]:
            ctx["request_form"] = forms.RescheduleRequestForm(now=now, zone=i.interview_tz)
        if ctx["can_confirm"]:
            ctx["confirm_form"] = forms.ConfirmForm(
                contacts=self.contacts, now=now, initial=self.confirm_initial(),
                auto_id="confirm-%s",
            )
        if ctx["can_thank"]:
            ctx["thank_you_form"] = forms.ThankYouForm(
                contacts=self.contacts, auto_id="thank-you-%s"
            )
        if ctx["is_open"]:
            ctx["material_form"] = forms.MaterialForm()
        ctx["lessons_form"] = forms.LessonsForm(initial={"lessons": i.lessons})
        if ctx["can_reply"]:
            ctx["reply_form"] = forms.ReplyForm(reschedule=r, person_tz=i.candidate_tz)
        ctx.update(overrides)
        return ctx


@require_http_methods(["GET", "HEAD", "POST"])
def incident_detail(request, pk):
    # A long record shows its latest outreach and events; ?all=1 shows every one.
    recent = None if request.GET.get("all") == "1" else selectors.RECENT_LIMIT
    incident = selectors.incident_detail(user=request.user, pk=pk, recent=recent)
    if request.method == "POST":
        # Ownership first: another person's incident is a 404 whatever the method.
        return HttpResponseNotAllowed(["GET", "HEAD"])
    view = DetailView(incident, timezone.now(), recent=recent)
    return render(request, "web/incident_detail.html", view.context())


def _form_page(request, incident, *, title, form, action, anchor, template="web/form_page.html",
               **extra):
    """A write's form alone on a page: what a GET of the write URL shows, and where a refused
    or invalid POST comes back to, with what was typed."""
    ctx = {
        "incident": incident,
        "title": title,
        "form": form,
        "action": action,
        "back": reverse("incident_detail", args=[incident.pk]) + (f"#{anchor}" if anchor else ""),
        **extra,
    }
    return render(request, template, ctx)


def _incident_and_view(request, pk) -> DetailView:
    return DetailView(selectors.incident_detail(user=request.user, pk=pk), timezone.now())


# --- Contacts ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contact_add(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    form = forms.ContactForm(
        _data(request), initial={"time_zone": incident.interview_tz}
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_save(
                owner=request.user, incident=incident, now=timezone.now(), **form.cleaned_data
            )
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, f"Added {contact.name}.")
            return _back(incident.pk, "contacts")
    return _form_page(
        request, incident, title="Add a contact", form=form,
        action=reverse("contact_add", args=[incident.pk]), anchor="contacts", zones=True,
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request, pk):
    contact = selectors.contact_get_for_user(user=request.user, pk=pk)
    incident_pk = forms.parse_id(request.POST.get("incident") or request.GET.get("incident"))
    incident = None
    if incident_pk is not None:
        incident = selectors.incident_get_for_user(user=request.user, pk=incident_pk)
    form = forms.ContactForm(_data(request), initial=forms.ContactForm.initial_for(contact))
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(
                owner=request.user, contact=contact, incident=incident, now=timezone.now(),
                **form.cleaned_data,
            )
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, f"Saved {contact.name}.")
            if incident is not None:
                return _back(incident.pk, "contacts")
            return redirect("dashboard")
    return render(
        request,
        "web/contact_edit.html",
        {"contact": contact, "incident": incident, "form": form},
    )


# --- Outreach ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def outreach_add(request, pk):
    view = _incident_and_view(request, pk)
    incident, now = view.incident, view.now
    form = forms.OutreachForm(
        _data(request), contacts=view.contacts, now=now, initial=view.outreach_initial()
    )
    if request.method == "POST" and form.is_valid():
        try:
            outreach = services.outreach_record(
                incident=incident, actor=request.user, now=now, **form.service_kwargs()
            )
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, f"Recorded: {outreach}.")
            return _back(incident.pk, "outreach")
    return _form_page(
        request, incident, title="Record a call, voicemail, email or message", form=form,
        action=reverse("outreach_add", args=[incident.pk]), anchor="outreach",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def outreach_detail(request, pk):
    outreach = selectors.outreach_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return render(
        request, "web/outreach_detail.html", {"outreach": outreach, "incident": outreach.incident}
    )


# --- Reschedule ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def reschedule_request(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    now = timezone.now()
    form = forms.RescheduleRequestForm(
        request.POST if request.method == "POST" else None, now=now, zone=incident.interview_tz
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule_request(
                incident=incident, slots=form.cleaned_slots(), actor=request.user, now=now
            )
        except (TransitionRefused, ValidationError) as exc:
            form.non_field_errors.append(_refusal(exc))
        else:
            messages.success(request, "Recorded the times you proposed. Now send them.")
            return _back(incident.pk, "reschedule")
    return _form_page(
        request, incident, title="Propose two or three new times", form=form,
        action=reverse("reschedule_request", args=[incident.pk]), anchor="reschedule",
        template="web/reschedule_request.html",
    )


def _reply(request, reschedule, *, reply, accepted_slot=None):
    services.reschedule_reply(
        reschedule=reschedule, reply=reply, accepted_slot=accepted_slot, actor=request.user,
        now=timezone.now(),
    )


@require_http_methods(["GET", "POST"])
def reschedule_reply(request, pk):
    reschedule = selectors.reschedule_get_for_user(user=request.user, pk=pk)
    incident = reschedule.incident
    form = forms.ReplyForm(
        _data(request), reschedule=reschedule, person_tz=incident.candidate_tz
    )
    if request.method == "POST" and form.is_valid():
        try:
            _reply(request, reschedule, reply=form.cleaned_data["reply"],
                   accepted_slot=form.cleaned_data["accepted_slot"])
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, f"Recorded their reply: {reschedule.get_reply_display()}.")
            return _back(incident.pk, "reschedule")
    return _form_page(
        request, incident, title="Record their reply", form=form,
        action=reverse("reschedule_reply", args=[reschedule.pk]), anchor="reply",
        template="web/reply_page.html", reschedule=reschedule,
    )


@require_http_methods(["GET", "POST"])
def slot_accept(request, pk):
    slot = selectors.slot_get_for_user(user=request.user, pk=pk)
    reschedule = slot.reschedule
    if request.method != "POST":
        return _back(reschedule.incident_id, "reply")
    try:
        _reply(request, reschedule, reply=Reschedule.Reply.ACCEPTED, accepted_slot=slot)
    except (TransitionRefused, ValidationError) as exc:
        messages.error(request, _refusal(exc))
        return _back(reschedule.incident_id, "reply")
    messages.success(request, "They accepted. Now confirm the time in writing.")
    return _back(reschedule.incident_id, "confirm")


@require_http_methods(["GET", "POST"])
def reschedule_confirm(request, pk):
    view = _incident_and_view(request, pk)
    incident, now = view.incident, view.now
    form = forms.ConfirmForm(
        _data(request), contacts=view.contacts, now=now, initial=view.confirm_initial()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule_confirm(
                incident=incident, actor=request.user, now=now, **form.service_kwargs()
            )
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, "Confirmed. Work through the safeguards next.")
            return _back(incident.pk, "safeguards")
    return _form_page(
        request, incident, title="Confirm the new interview", form=form,
        action=reverse("reschedule_confirm", args=[incident.pk]), anchor="confirm", zones=True,
    )


@require_http_methods(["GET", "POST"])
def reschedule_cancel(request, pk):
    reschedule = selectors.reschedule_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            services.reschedule_cancel(
                reschedule=reschedule, actor=request.user, now=timezone.now()
            )
        except (TransitionRefused, ValidationError) as exc:
            messages.error(request, _refusal(exc))
        else:
            messages.success(request, "Called off. Its reminders are cancelled.")
    return _back(reschedule.incident_id, "reschedule")


# --- Simple steps --------------------------------------------------------------------------


def _step(request, pk, *, call, success, anchor):
    """A button that runs one service on the incident: POST only; a GET goes to the page."""
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            call(incident=incident, actor=request.user, now=timezone.now())
        except (TransitionRefused, ValidationError) as exc:
            messages.error(request, _refusal(exc))
        else:
            messages.success(request, success)
    return _back(incident.pk, anchor)


@require_http_methods(["GET", "POST"])
def interview_attended(request, pk):
    return _step(
        request, pk, call=services.interview_attended, anchor="thank-you",
        success="Well done. Send the thank-you note today.",
    )


@require_http_methods(["GET", "POST"])
def incident_reopen(request, pk):
    return _step(request, pk, call=services.incident_reopen, anchor="", success="Reopened.")


@require_http_methods(["GET", "POST"])
def thank_you(request, pk):
    view = _incident_and_view(request, pk)
    incident = view.incident
    form = forms.ThankYouForm(_data(request), contacts=view.contacts)
    if request.method == "POST" and form.is_valid():
        try:
            services.thank_you_sent(
                incident=incident, actor=request.user, now=view.now, **form.service_kwargs()
            )
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, "Thank-you note recorded.")
            return _back(incident.pk, "materials")
    return _form_page(
        request, incident, title="Thank-you note sent", form=form,
        action=reverse("thank_you", args=[incident.pk]), anchor="thank-you",
    )


@require_http_methods(["GET", "POST"])
def material_add(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    form = forms.MaterialForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.material_add(
                incident=incident, actor=request.user, now=timezone.now(), **form.cleaned_data
            )
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, "Added to the promised materials.")
            return _back(incident.pk, "materials")
    return _form_page(
        request, incident, title="Promised materials", form=form,
        action=reverse("material_add", args=[incident.pk]), anchor="materials",
    )


@require_http_methods(["GET", "POST"])
def material_resolve(request, pk):
    material = selectors.material_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        form = forms.MaterialResolveForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Mark it delivered or dropped.")
        else:
            try:
                services.material_resolve(
                    material=material, status=form.cleaned_data["status"], actor=request.user,
                    now=timezone.now(),
                )
            except (TransitionRefused, ValidationError) as exc:
                messages.error(request, _refusal(exc))
            else:
                messages.success(request, f"{material.get_status_display()}: {material}.")
    return _back(material.incident_id, "materials")


@require_http_methods(["GET", "POST"])
def safeguard_toggle(request, pk):
    safeguard = selectors.safeguard_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        form = forms.SafeguardForm(request.POST)
        form.is_valid()  # a BooleanField that is not required always validates
        try:
            services.safeguard_set(
                safeguard=safeguard, done=form.cleaned_data.get("done", False),
                actor=request.user, now=timezone.now(),
            )
        except (TransitionRefused, ValidationError) as exc:
            messages.error(request, _refusal(exc))
        else:
            state = "done" if safeguard.done_at else "not done yet"
            messages.success(request, f"{safeguard}: {state}.")
    return _back(safeguard.incident_id, "safeguards")


@require_http_methods(["GET", "POST"])
def lessons(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    form = forms.LessonsForm(_data(request), initial={"lessons": incident.lessons})
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_lessons_record(
                incident=incident, lessons=form.cleaned_data["lessons"], actor=request.user,
                now=timezone.now(),
            )
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, "Lessons recorded.")
            return _back(incident.pk, "lessons")
    return _form_page(
        request, incident, title="Lessons", form=form,
        action=reverse("lessons", args=[incident.pk]), anchor="lessons",
    )


@require_http_methods(["GET", "POST"])
def incident_close(request, pk):
    view = _incident_and_view(request, pk)
    incident = view.incident
    form = forms.CloseForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_close(
                incident=incident, outcome=form.cleaned_data["outcome"], actor=request.user,
                now=view.now,
            )
        except (TransitionRefused, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, f"Closed: {incident.get_outcome_display()}.")
            return _back(incident.pk)
    return _form_page(
        request, incident, title="Close the incident", form=form,
        action=reverse("incident_close", args=[incident.pk]), anchor="close",
        template="web/close_page.html", close_options=view.close_options(),
    )


# --- History -------------------------------------------------------------------------------


@require_safe
def history(request):
    h = selectors.history_for_user(user=request.user)
    by_label = {label: value for value, label in Incident.Cause.choices}
    safeguard_labels = dict(Safeguard.Kind.choices)
    repeats = [
        {
            "label": label,
            "n": n,
            "safeguards": [
                safeguard_labels.get(k, k)
                for k in phases.safeguards_for(cause=by_label.get(label, ""), format="")[:3]
            ],
        }
        for label, n in h.repeated_causes
    ]
    median = h.median_minutes_to_first_outreach
    return render(
        request,
        "web/history.html",
        {
            "h": h,
            "repeats": repeats,
            "median": round(median) if median is not None else None,
        },
    )

"""The incident's small writes: contacts, outreach, the reschedule, the interview, the
consolidate steps and closing. Each is the shape of `handlers.form_step` (a write with a form)
or `handlers.button_step` (a button; `handlers.button_view` is the whole view of one that needs
only its object); the services get `now` from here.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tracker.incidents import selectors, services

from . import forms, presenter, slot_forms
from .fields import parse_id
from .handlers import (
    REFUSALS,
    back,
    button_step,
    button_view,
    form_step,
    incident_write,
    posted,
    refusal,
)

# --- Contacts ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contact_add(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    form = forms.ContactForm(posted(request), initial={"time_zone": incident.interview_tz})
    return form_step(
        request, incident, form=form, anchor="contacts", title="Add a contact",
        url_name="contact_add",
        call=lambda f: services.contact_save(
            owner=request.user, incident=incident, now=timezone.now(), **f.cleaned_data
        ),
        success=lambda contact: f"Added {contact.name}.", zones=True,
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request, pk):
    contact = selectors.contact_get_for_user(user=request.user, pk=pk)
    incident_pk = parse_id(request.POST.get("incident") or request.GET.get("incident"))
    incident = None
    if incident_pk is not None:
        incident = selectors.incident_get_for_user(user=request.user, pk=incident_pk)
    form = forms.ContactForm(posted(request), initial=forms.ContactForm.initial_for(contact))
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(
                owner=request.user, contact=contact, incident=incident, now=timezone.now(),
                **form.cleaned_data,
            )
        except REFUSALS as exc:
            form.add_error(None, refusal(exc))
        else:
            messages.success(request, f"Saved {contact.name}.")
            return back(incident.pk, "contacts") if incident else redirect("dashboard")
    return render(
        request, "web/contact_edit.html", {"contact": contact, "incident": incident, "form": form}
    )


# --- Outreach ------------------------------------------------------------------------------


def _fresh(request, pk):
    """The person's incident, its situation read fresh (the contacts and the current reschedule
    fill the form; not the whole incident page) and the clock."""
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    return incident, selectors.situation_for(incident), timezone.now()


@require_http_methods(["GET", "POST"])
def outreach_add(request, pk):
    incident, situation, now = _fresh(request, pk)
    form = forms.OutreachForm(
        posted(request), contacts=situation.contacts, now=now,
        initial=presenter.outreach_initial(situation),
    )
    return form_step(
        request, incident, form=form, anchor="outreach", url_name="outreach_add",
        title="Record a call, voicemail, email or message",
        call=incident_write(request, incident, services.outreach_record, now),
        success=lambda outreach: f"Recorded: {outreach}.",
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
    incident, situation, now = _fresh(request, pk)
    formset = slot_forms.SlotFormSet(
        posted(request), now=now, zone=situation.their_zone, person_tz=situation.person_tz
    )
    return form_step(
        request, incident, form=formset, anchor="reschedule", url_name="reschedule_request",
        title="Propose two or three new times", template="web/reschedule_request.html",
        call=lambda f: services.reschedule_request(
            incident=incident, slots=f.cleaned_slots(), actor=request.user, now=now
        ),
        success="Recorded the times you proposed. Now send them.",
    )


def _reply(request, reschedule, *, reply, accepted_slot=None):
    return services.reschedule_reply(
        reschedule=reschedule, reply=reply, accepted_slot=accepted_slot, actor=request.user,
        now=timezone.now(),
    )


@require_http_methods(["GET", "POST"])
def reschedule_reply(request, pk):
    reschedule = selectors.reschedule_get_for_user(user=request.user, pk=pk)
    incident = reschedule.incident
    form = forms.ReplyForm(
        posted(request), reschedule=reschedule, person_tz=incident.candidate_tz,
        interviewer_tz=incident.interview_tz,
    )
    if form.is_bound and form.is_valid() and (
        form.cleaned_data["reply"] == forms.ReplyForm.PROPOSED_OTHER
    ):
        messages.info(request, "Write down the time they proposed: confirming it records their "
                               "reply as accepted and plans your reminders.")
        return redirect("reschedule_confirm", incident.pk)
    return form_step(
        request, incident, form=form, anchor="reply", url_name="reschedule_reply",
        after=lambda _: back(incident.pk, "reschedule"),
        url_arg=reschedule.pk, title="Record their reply", template="web/reply_page.html",
        reschedule=reschedule,
        call=lambda f: _reply(request, reschedule, reply=f.cleaned_data["reply"],
                              accepted_slot=f.cleaned_data["accepted_slot"]),
        success=lambda r: f"Recorded their reply: {r.get_reply_display()}.",
    )


@require_http_methods(["GET", "POST"])
def reschedule_confirm(request, pk):
    incident, situation, now = _fresh(request, pk)
    form = forms.ConfirmForm(
        posted(request), contacts=situation.contacts, now=now,
        initial=presenter.confirm_initial(situation), person_tz=situation.person_tz,
    )
    return form_step(
        request, incident, form=form, anchor="confirm", url_name="reschedule_confirm",
        title="Confirm the new interview", zones=True,
        after=lambda _: back(incident.pk, "safeguards"),
        call=incident_write(request, incident, services.reschedule_confirm, now),
        success="Confirmed. Work through the safeguards next.",
    )


reschedule_cancel = button_view(
    selectors.reschedule_get_for_user, services.reschedule_cancel, on="reschedule",
    anchor="reschedule", success="Called off. Its reminders are cancelled.",
)


# --- Simple steps --------------------------------------------------------------------------


interview_attended = button_view(
    selectors.incident_get_for_user, services.interview_attended, on="incident",
    anchor="thank-you", success="Well done. Send the thank-you note today.",
)
incident_reopen = button_view(
    selectors.incident_get_for_user, services.incident_reopen, on="incident", anchor="",
    success="Reopened.",
)


@require_http_methods(["GET", "POST"])
def thank_you(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    contacts = selectors.situation_for(incident).contacts
    form = forms.ThankYouForm(posted(request), contacts=contacts)
    return form_step(
        request, incident, form=form, anchor="thank-you", url_name="thank_you",
        title="Thank-you note sent",
        call=incident_write(request, incident, services.thank_you_sent),
        success="Thank-you note recorded.", after=lambda _: back(incident.pk, "materials"),
    )


@require_http_methods(["GET", "POST"])
def material_add(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    return form_step(
        request, incident, form=forms.MaterialForm(posted(request)), anchor="materials",
        url_name="material_add", title="Promised materials",
        call=lambda f: services.material_add(
            incident=incident, actor=request.user, now=timezone.now(), **f.cleaned_data
        ),
        success="Added to the promised materials.",
    )


@require_http_methods(["GET", "POST"])
def material_resolve(request, pk):
    material = selectors.material_get_for_user(user=request.user, pk=pk)
    form = forms.MaterialResolveForm(posted(request))
    if request.method == "POST" and not form.is_valid():
        messages.error(request, "Mark it delivered or dropped.")
        return back(material.incident_id, "materials")
    return button_step(
        request, material.incident_id, anchor="materials",
        call=lambda: services.material_resolve(
            material=material, status=form.cleaned_data["status"], actor=request.user,
            now=timezone.now(),
        ),
        success=lambda m: f"{m.get_status_display()}: {m}.",
    )


@require_http_methods(["GET", "POST"])
def safeguard_toggle(request, pk):
    safeguard = selectors.safeguard_get_for_user(user=request.user, pk=pk)
    form = forms.SafeguardForm(posted(request))
    form.is_valid()  # a BooleanField that is not required always validates

    def state(s) -> str:
        return f"{s}: {'done' if s.done_at else 'not done yet'}."

    return button_step(
        request, safeguard.incident_id, anchor="safeguards",
        call=lambda: services.safeguard_set(
            safeguard=safeguard, done=form.cleaned_data.get("done", False),
            actor=request.user, now=timezone.now(),
        ),
        success=state,
    )


@require_http_methods(["GET", "POST"])
def lessons(request, pk):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    form = forms.LessonsForm(posted(request), initial={"lessons": incident.lessons})
    return form_step(
        request, incident, form=form, anchor="lessons", url_name="lessons", title="Lessons",
        call=lambda f: services.incident_lessons_record(
            incident=incident, lessons=f.cleaned_data["lessons"], actor=request.user,
            now=timezone.now(),
        ),
        success="Lessons recorded.",
    )


@require_http_methods(["GET", "POST"])
def incident_close(request, pk):
    incident, situation, _ = _fresh(request, pk)
    return form_step(
        request, incident, form=forms.CloseForm(posted(request)), anchor="",
        url_name="incident_close", title="Close the incident", template="web/close_page.html",
        close_options=presenter.close_options(situation),
        call=lambda f: services.incident_close(
            incident=incident, outcome=f.cleaned_data["outcome"], actor=request.user,
            now=timezone.now(),
        ),
        success=lambda i: f"Closed: {i.get_outcome_display()}.",
    )

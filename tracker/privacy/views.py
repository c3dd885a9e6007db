"""The person's data page (export, coaches, delete) and the coach's pages."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.accounts import limits
from tracker.signing import BadToken

from . import selectors, services, tasks, tokens
from .forms import CoachInviteForm, CommentForm, DeleteAccountForm
from .models import DataExport

log = logging.getLogger(__name__)


def _refusal(exc: ValidationError) -> str:
    return str(exc) if isinstance(exc, limits.LimitReached) else " ".join(exc.messages)


# --- The person's data page ---------------------------------------------------------------


@require_GET
def privacy(request, invite_form=None):
    now = timezone.now()
    exports = selectors.exports_for(owner=request.user)
    working = any(
        e.status in (DataExport.Status.PENDING, DataExport.Status.BUILDING) for e in exports
    )
    return render(
        request,
        "privacy/privacy.html",
        {
            "exports": [
                (
                    e,
                    tokens.export_token(e)
                    if e.status == DataExport.Status.READY and e.expires_at > now
                    else None,
                )
                for e in exports
            ],
            "working": working,
            "accesses": selectors.accesses_given(person=request.user),
            "comments": selectors.comments_received(person=request.user),
            "invite_form": invite_form or CoachInviteForm(),
            "notice": selectors.retention_notice(person=request.user, now=now),
        },
    )


@require_POST
def export_create(request):
    export, mode = services.export_request(owner=request.user, now=timezone.now())
    if mode == "running":
        messages.info(request, "Your export is already being prepared.")
    elif mode == "inline":
        services.export_build(export_id=export.pk, now=timezone.now())
        messages.success(
            request, "Your export is ready: download it below. The link works for a limited time."
        )
    else:
        pk = export.pk
        transaction.on_commit(lambda: _queue(pk))
        messages.info(
            request,
            "We are preparing your export. This page shows its progress; "
            "the download link appears here when it is ready.",
        )
    return redirect(reverse("privacy") + "#export")


def _queue(export_id: int) -> None:
    try:
        tasks.build_export.delay(export_id)
    except Exception:  # the broker is down: the periodic sweep builds it
        log.warning("Could not queue export %s; the sweep will build it", export_id, exc_info=True)


@require_GET
def export_download(request):
    token = request.GET.get("token", "")
    if not token:
        messages.info(request, "Ask for an export first; its download link appears here.")
        return redirect(reverse("privacy") + "#export")
    try:
        export = selectors.export_for_download(user=request.user, token=token, now=timezone.now())
    except BadToken as exc:
        messages.error(request, str(exc))
        return redirect(reverse("privacy") + "#export")
    response = HttpResponse(bytes(export.content), content_type="application/zip")
    stamp = export.finished_at.strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="tracker-export-{stamp}.zip"'
    return response


# --- Coaches, from the person's side --------------------------------------------------------


@require_POST
def coach_access(request):
    """Invite a coach, share or stop sharing contact details, end an access: one URL, the
    button says which."""
    action = request.POST.get("action", "invite")
    now = timezone.now()
    if action == "invite":
        form = CoachInviteForm(request.POST)
        if form.is_valid():
            try:
                access = services.coach_invite(
                    person=request.user,
                    email=form.cleaned_data["email"],
                    share_contacts=form.cleaned_data["share_contacts"],
                    now=now,
                )
            except ValidationError as exc:
                form.add_error("email", _refusal(exc))
            else:
                messages.success(
                    request,
                    f"We emailed {access.email} an "
                    "invitation. They see nothing until they accept it.",
                )
                return redirect(reverse("privacy") + "#coach")
        messages.error(request, "The invitation was not sent: see below.")
        return privacy(_as_get(request), invite_form=form)
    if action not in ("share", "unshare", "end"):
        messages.error(request, "Choose what to do with the access.")
        return redirect(reverse("privacy") + "#coach")
    access = selectors.access_of_person(person=request.user, pk=request.POST.get("access"))
    try:
        if action == "end":
            services.coach_end(access=access, now=now)
            messages.success(request, f"{access.email} no longer sees your incidents.")
        else:
            services.coach_share(access=access, share_contacts=action == "share", now=now)
            messages.success(
                request,
                f"{access.email} now sees contact details."
                if action == "share"
                else f"{access.email} no longer sees contact details.",
            )
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
    return redirect(reverse("privacy") + "#coach")


def _as_get(request):
    request.method = "GET"
    return request


# --- Delete -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            user = request.user
            services.account_delete(user=user, now=timezone.now())
            logout(request)
            messages.success(request, "Your account and everything in it have been deleted.")
            return redirect("login")
        messages.error(request, "Your account was not deleted: see below.")
    return render(request, "privacy/delete.html", {"form": form})


# --- The coach's side ---------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def coach_accept(request, token):
    """The link in the invitation. A GET shows who invites and what the coach would see; the
    POST accepts, with the coach's own account (logged in, holding the invited address)."""
    try:
        invitation = tokens.read_coach_token(token)
    except BadToken as exc:
        return render(request, "privacy/coach_accept.html", {"error": str(exc)}, status=400)
    if request.method == "POST":
        if not request.user.is_authenticated:
            messages.info(
                request, f"Log in (or sign up) with {invitation.email} to accept the invitation."
            )
            return redirect_to_login(request.path)
        try:
            services.coach_accept(coach=request.user, invitation=invitation, now=timezone.now())
        except ValidationError as exc:
            messages.error(request, _refusal(exc))
            return redirect(request.path)
        messages.success(request, "You accepted. Their incidents are below.")
        return redirect("coach_dashboard")
    access = selectors.invitation(access_id=invitation.access_id, email=invitation.email)
    context = {"invitation": invitation, "access": access}
    if access is None or access.state == access.State.ENDED:
        context["error"] = "This invitation is no longer in use."
    else:
        profile = getattr(access.person, "profile", None)
        context["name"] = (profile.full_name if profile else "") or "Someone"
    return render(request, "privacy/coach_accept.html", context)


@require_GET
def coach_dashboard(request):
    return render(
        request, "privacy/coach_dashboard.html", {"accesses": selectors.coached(coach=request.user)}
    )


@require_GET
def shared_incident(request, pk):
    shared = selectors.shared_incident(user=request.user, pk=pk)
    return render(
        request,
        "privacy/shared_incident.html",
        {"s": shared, "i": shared.incident, "form": CommentForm()},
    )


@require_GET
def shared_contacts(request, pk):
    incident, contacts = selectors.shared_contacts(user=request.user, pk=pk)
    return render(request, "privacy/shared_contacts.html", {"i": incident, "contacts": contacts})


@require_http_methods(["GET", "POST"])
def shared_comment(request, pk):
    shared = selectors.shared_incident(user=request.user, pk=pk)
    back = reverse("shared_incident", args=[shared.incident.pk])
    if request.method != "POST":
        return redirect(back)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "privacy/shared_incident.html",
            {"s": shared, "i": shared.incident, "form": form},
            status=200,
        )
    try:
        services.comment_add(
            incident=shared.incident,
            author=request.user,
            text=form.cleaned_data["text"],
            now=timezone.now(),
        )
    except ValidationError as exc:
        form.add_error("text", _refusal(exc))
        return render(
            request,
            "privacy/shared_incident.html",
            {"s": shared, "i": shared.incident, "form": form},
        )
    messages.success(
        request,
        "Comment added."
        if shared.is_owner
        else f"Comment added: {shared.person_name} sees it on this incident.",
    )
    return redirect(back + "#comments")

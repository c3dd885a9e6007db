"""The profile page, the confirmation resend, the partner's answer and the lockout page.
Sign-up, log in/out, email confirmation, email change, password change and reset are
django-allauth's views (routed in urls.py) with templates under templates/account/."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tracker.signing import BadToken

from . import limits, partner, selectors
from .forms import ProfileForm
from .models import Profile
from .services import (
    PartnerAnswerRefused,
    partner_answer,
    profile_ensure,
    profile_update,
    verification_resend,
)

log = logging.getLogger(__name__)


@require_http_methods(["GET", "POST"])
def profile(request):
    profile = profile_ensure(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, user=request.user)
        if form.is_valid():
            invited = form.cleaned_data["partner_email"].lower() != (
                profile.partner_email or ""
            ).lower() and bool(form.cleaned_data["partner_email"])
            try:
                profile_update(
                    profile=profile,
                    full_name=form.cleaned_data["full_name"],
                    phone=form.cleaned_data["phone"],
                    time_zone=form.cleaned_data["time_zone"],
                    partner_email=form.cleaned_data["partner_email"],
                    reminders_off=form.reminders_off,
                    quiet_hours=form.cleaned_data["quiet_hours"],  # issue 10
                    now=timezone.now(),
                )
            except limits.LimitReached as exc:
                form.add_error("partner_email", str(exc))
                profile.refresh_from_db()
            except ValidationError as exc:
                _add_errors(form, exc)
                profile.refresh_from_db()
            else:
                messages.success(request, "Profile saved.")
                if invited:
                    messages.info(
                        request,
                        "We emailed your partner an invitation. They get nothing else from us "
                        "until they accept it.",
                    )
                return redirect("profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(profile), user=request.user)
    return render(request, "accounts/profile.html", {
        "form": form,
        "profile": profile,
        "email_confirmed": selectors.email_confirmed(request.user),
    })


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def password_set(request):
    """For an account without a usable password: the reset link sets one (any method)."""
    messages.info(request, "Use “Forgot your password?” to set a password: we email you a link.")
    return redirect("password_reset")


@require_POST
def verification_resend_view(request):
    try:
        address = verification_resend(user=request.user, request=request, now=timezone.now())
    except limits.LimitReached as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"We sent a new confirmation link to {address}. It works for 3 days."
        )
    back = request.POST.get("next", "")
    return redirect(back if back in (reverse("profile"), reverse("dashboard")) else "dashboard")


_QUESTIONS = {
    "accept": ("Be their accountability partner?", "Accept",
               "You will get a copy of their reminder 24 hours before each rescheduled "
               "interview. You can stop it at any time with the link in each email."),
    "decline": ("Decline the invitation?", "Decline",
                "You will get no email from us about them."),
    "stop": ("Stop all email about this person?", "Stop all email",
             "You will get no more email from us about them, and they cannot invite you "
             "again."),
}
_DONE = {
    Profile.PartnerState.ACCEPTED: "Thank you. You will get a copy of their 24-hour "
    "reminders; each one has a link to stop them.",
    Profile.PartnerState.DECLINED: "Declined. You will get no email from us about them.",
    Profile.PartnerState.STOPPED: "Stopped. You will get no more email from us about them.",
}


_ANSWERED = {
    # (the link's action, the state now): what the page says instead of asking again.
    ("accept", Profile.PartnerState.ACCEPTED): _DONE[Profile.PartnerState.ACCEPTED],
    ("decline", Profile.PartnerState.DECLINED): _DONE[Profile.PartnerState.DECLINED],
    ("stop", Profile.PartnerState.STOPPED): _DONE[Profile.PartnerState.STOPPED],
}


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def partner_answer_view(request, token):
    """The partner's accept / decline / stop link: a GET asks (or says what was answered), a
    POST answers and comes back to the GET with a message (a link scanner that opens every
    link in the invitation must not answer for them). No login."""
    try:
        answer = partner.read_token(token)
    except BadToken as exc:
        return render(request, "accounts/partner_answer.html", {"error": str(exc)}, status=400)
    if request.method == "POST":
        try:
            profile = partner_answer(token=answer, now=timezone.now())
        except PartnerAnswerRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _DONE[profile.partner_state])
        return redirect(request.path)
    profile = Profile.objects.select_related("user").filter(pk=answer.profile_id).first()
    title, button, explanation = _QUESTIONS[answer.action]
    context = {
        "title": title, "button": button, "explanation": explanation,
        "inviter": selectors.reminder_address(profile.user) if profile else "",
        "name": profile.full_name if profile else "",
    }
    if profile is None or (profile.partner_email or "").lower() != answer.email:
        context["error"] = ("This link is no longer in use: you are not this person's partner "
                            "any more, so you get no email about them.")
    elif (answer.action, profile.partner_state) in _ANSWERED:
        context["done"] = _ANSWERED[(answer.action, profile.partner_state)]
    return render(request, "accounts/partner_answer.html", context)

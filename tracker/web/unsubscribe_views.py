"""The one-click unsubscribe of one reminder kind (RFC 8058), without a login.

The link in `List-Unsubscribe` (and in every email's footer) carries a signed token naming the
person and the kind (tracker/reminders/unsubscribe.py). A mail client's one-click POST
(`List-Unsubscribe=One-Click`) turns the kind off and gets a 200; it sends no cookie and no
CSRF token, and the signed token is what proves the request came from the email. A GET only
shows the page: what the link does and the kind's state, with a button to turn it off or back
on (a link scanner that opens the GET changes nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tracker.accounts.services import profile_ensure, profile_update
from tracker.reminders.unsubscribe import read_token
from tracker.signing import BadToken


def _set(profile, kind: str, *, on: bool) -> None:
    off = set(profile.reminders_off or [])
    wanted = off - {kind} if on else off | {kind}
    if wanted == off:
        return
    profile_update(
        profile=profile, full_name=profile.full_name, phone=profile.phone,
        time_zone=profile.time_zone, partner_email=profile.partner_email,
        reminders_off=sorted(wanted), now=timezone.now(),
    )


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def reminder_unsubscribe(request, token):
    try:
        stop = read_token(token)
        user = get_user_model().objects.get(pk=stop.user_id)
    except (BadToken, get_user_model().DoesNotExist):
        return render(request, "web/unsubscribe.html", {"invalid": True}, status=404)
    profile = profile_ensure(user=user)
    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") == "One-Click":
            _set(profile, stop.kind, on=False)
            return HttpResponse(
                f"Unsubscribed: no more “{stop.label}” emails.\n",
                content_type="text/plain; charset=utf-8",
            )
        # The page's own buttons: POST, then back to the page (POST/redirect/GET).
        action = request.POST.get("action")
        if action not in ("on", "off"):
            messages.error(request, "Nothing changed: use one of the buttons below.")
        else:
            _set(profile, stop.kind, on=action == "on")
            messages.success(request, "Saved: you will get no more of these emails."
                             if action == "off" else "Saved: these emails come again.")
        return redirect(request.path)
    context = {"label": stop.label, "is_off": stop.kind in (profile.reminders_off or [])}
    return render(request, "web/unsubscribe.html", context)

"""Issue 15: the profile's calendar-feed buttons (turn on, regenerate, turn off, name the
interviewer or not): POST, then back to the profile."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import feed
from .services import profile_ensure

ACTIONS = ("regenerate", "revoke", "interviewer_on", "interviewer_off")


@require_POST
def profile_feed(request):
    profile = profile_ensure(user=request.user)
    action, now = request.POST.get("action"), timezone.now()
    if action not in ACTIONS:
        messages.error(request, "Nothing changed: use one of the buttons.")
    elif action == "regenerate":
        had = bool(profile.feed_token)
        feed.feed_regenerate(profile=profile, now=now)
        messages.success(
            request,
            "New feed address made: the old one no longer works; subscribe again with this one."
            if had
            else "Your calendar feed is on: subscribe to it in your calendar.",
        )
    elif action == "revoke":
        feed.feed_revoke(profile=profile, now=now)
        messages.success(request, "Your calendar feed is off: its address no longer works.")
    else:
        feed.feed_interviewer_set(profile=profile, show=action == "interviewer_on", now=now)
        messages.success(request, "Saved.")
    return redirect(reverse("profile") + "#calendar-feed")

"""Sign-up and profile pages. Log in/out, password change and reset are Django's own views
(routed in urls.py) with templates under templates/registration/."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .forms import ProfileForm, SignUpForm
from .services import profile_ensure, profile_update, user_sign_up

# Signing up logs the person in with the model backend directly: the account was just created
# with this password, so there is nothing to check (and no login attempt for a lockout to count).
_SIGN_UP_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    # Bound on every POST, an empty one included, so a blank submission shows its errors.
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_sign_up(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except IntegrityError:
            # Two submissions raced past the uniqueness check (a double click).
            form.add_error("username", "That username was just taken. Choose another.")
        else:
            login(request, user, backend=_SIGN_UP_BACKEND)
            messages.success(
                request,
                "Welcome. Your account is ready. Add your name and phone in your profile so "
                "your drafts are signed.",
            )
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/sign_up.html", {"form": form})


@require_http_methods(["GET", "POST"])
def profile(request):
    profile = profile_ensure(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, user=request.user)
        if form.is_valid():
            profile_update(
                profile=profile,
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                time_zone=form.cleaned_data["time_zone"],
                partner_email=form.cleaned_data["partner_email"],
                reminders_off=form.reminders_off,
                now=timezone.now(),
            )
            messages.success(request, "Profile saved.")
            return redirect("profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(profile), user=request.user)
    return render(request, "accounts/profile.html", {"form": form, "profile": profile})

"""{% confirm_email_banner %}: "confirm your email to get reminders", with a resend button,
while the person's address is not confirmed (issue 12)."""

from django import template

from tracker.accounts.selectors import email_confirmed

register = template.Library()


@register.inclusion_tag("accounts/_confirm_banner.html", takes_context=True)
def confirm_email_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    confirmed = user is None or not user.is_authenticated or email_confirmed(user)
    return {
        "email_confirmed": confirmed,
        "user": user,
        "next": request.path if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }

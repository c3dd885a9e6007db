"""{% confirm_email_banner %}: "confirm your email to get reminders", with a resend button,
while the person's address is not confirmed (issue 12)."""

from django import template

from tracker.accounts.selectors import email_confirmed

register = template.Library()

# Once confirmed, an account keeps a confirmed primary address (allauth makes a changed address
# primary only after it is confirmed), so the session remembers it and the pages stop asking the
# database. The dispatcher still checks the address before every reminder.
CONFIRMED_KEY = "_email_confirmed_for"


@register.inclusion_tag("accounts/_confirm_banner.html", takes_context=True)
def confirm_email_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated:
        confirmed = True
    elif session is not None and session.get(CONFIRMED_KEY) == user.pk:
        confirmed = True
    else:
        confirmed = email_confirmed(user)
        if confirmed and session is not None:
            session[CONFIRMED_KEY] = user.pk
    return {
        "email_confirmed": confirmed,
        "user": user,
        "next": request.path if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }

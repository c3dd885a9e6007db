"""At sign-up, what the visitor typed before having an account becomes their first incident
(issue 11, `visitor.adopt`)."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.utils import timezone

from . import visitor


@receiver(user_signed_up, dispatch_uid="tracker.web.visitor_adopt")
def visitor_incident_on_sign_up(sender, request=None, user=None, **kwargs):
    if request is None or user is None or not hasattr(request, "session"):
        return
    visitor.adopt(request.session, user=user, now=timezone.now())

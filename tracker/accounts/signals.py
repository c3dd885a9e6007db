"""Every user has a profile from the moment they exist; every text is stored NFC; a completed
password reset lifts the account's login lockout."""

from allauth.account.signals import email_confirmed, password_reset
from django.conf import settings
from django.db import models
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from tracker.validators import normalize_text

from .models import Profile
from .throttling import lockout_clear

# The apps whose rows hold text people type (auth: names and usernames).
NFC_APPS = frozenset({"accounts", "incidents", "reminders", "auth"})


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def profile_for_new_user(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


@receiver(pre_save)
def text_in_nfc(sender, instance, raw=False, **kwargs):
    """NFC-normalise every text field before it is written (issue 12): a composed "é" and
    "e" + U+0301 are one spelling, in the database, in searches and in the emails."""
    if raw or sender._meta.app_label not in NFC_APPS:
        return
    for field in sender._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname)
            normal = normalize_text(value)
            if normal is not value:
                setattr(instance, field.attname, normal)


@receiver(password_reset, dispatch_uid="tracker.accounts.lockout_clear_on_reset")
def lockout_clear_on_password_reset(sender, request, user, **kwargs):
    """Whoever completed the reset holds the mailbox: the lockout protects nothing more, and
    leaving it would let anyone keep the owner out (issue 12)."""
    lockout_clear(user=user)



@receiver(email_confirmed)
def reminders_back_on_confirmation(sender, request=None, email_address=None, **kwargs):
    """Reminders skipped while the address was unconfirmed are planned again (those still
    ahead) once it is confirmed."""
    from django.db import transaction
    from django.utils import timezone

    from tracker.incidents.models import Incident
    from tracker.reminders.services import reminders_sync

    if email_address is None:
        return
    now = timezone.now()
    open_incidents = Incident.objects.filter(owner_id=email_address.user_id).exclude(
        phase=Incident.Phase.CLOSED
    )
    with transaction.atomic():
        for incident in open_incidents:
            reminders_sync(incident=incident, now=now)

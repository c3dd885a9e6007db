"""Every write of the privacy app. Each takes `now` from its caller (a view or a task) and
runs in one transaction with the rows it decides on locked."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from tracker.accounts import limits
from tracker.accounts.selectors import reminder_address
from tracker.incidents.models import Incident
from tracker.reminders.models import Reminder
from tracker.reminders.services import reminders_cancel

from . import export, tokens
from .models import CoachAccess, CoachComment, DataExport, DeletedAccount

log = logging.getLogger(__name__)

DELETE_REASON = "The account was deleted."
ERASED = "[erased]"


class PrivacyRefused(ValidationError):
    """A request that cannot be done now; str() says why, for the person."""

    def __str__(self):
        return " ".join(self.messages)


def _now(now: datetime) -> datetime:
    if now is None:
        raise TypeError("services need `now`: read the clock once in the view or task")
    return now


# --- Export -------------------------------------------------------------------------------


def export_request(*, owner, now: datetime) -> tuple[DataExport, str]:
    """A new export, or the one already on its way, and what to do with it: "running" (one is
    already being prepared), "inline" (small enough to build in the request) or "worker" (the
    caller queues the task after the commit)."""
    now = _now(now)
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        running = DataExport.objects.filter(
            owner=owner, status__in=[DataExport.Status.PENDING, DataExport.Status.BUILDING]
        ).first()
        if running is not None:
            return running, "running"
        made = DataExport.objects.create(
            owner=owner, created_at=now, progress="Waiting for the worker"
        )
    small = export.row_count(owner) <= settings.PRIVACY_EXPORT_INLINE_ROWS
    return made, "inline" if small else "worker"


def export_build(*, export_id: int, now: datetime) -> DataExport | None:
    """Build one export: claim it (pending -> building), write the ZIP, store it until it
    expires. A second worker given the same export finds it claimed and does nothing."""
    now = _now(now)
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.BUILDING, progress="Starting"
    )
    if not claimed:
        return None
    row = DataExport.objects.select_related("owner__profile").get(pk=export_id)

    def progress(text: str) -> None:
        DataExport.objects.filter(pk=export_id).update(progress=text)

    try:
        content, counts = export.build_zip(row.owner, now=now, progress=progress)
    except Exception as exc:
        log.exception("Export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED,
            progress="",
            finished_at=now,
            error=f"{type(exc).__name__}"[:300],
        )
        raise
    DataExport.objects.filter(pk=export_id, status=DataExport.Status.BUILDING).update(
        status=DataExport.Status.READY,
        content=content,
        size=len(content),
        counts=counts,
        finished_at=now,
        expires_at=now + timedelta(hours=settings.PRIVACY_EXPORT_HOURS),
        progress="",
    )
    log.info(
        "Export %s ready: %d bytes",
        export_id,
        len(content),
        extra={"export_id": export_id, "bytes": len(content)},
    )
    return DataExport.objects.get(pk=export_id)


def exports_expire(*, now: datetime) -> int:
    """Drop the content of exports past their expiry (the rows stay, with their counts)."""
    now = _now(now)
    return DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now).update(
        status=DataExport.Status.EXPIRED, content=None
    )


def exports_stale(*, now: datetime, after: timedelta = timedelta(minutes=10)) -> list[int]:
    """Exports no worker took (the broker was down when asked): the sweep builds them."""
    return list(
        DataExport.objects.filter(
            status=DataExport.Status.PENDING, created_at__lte=_now(now) - after
        ).values_list("pk", flat=True)
    )


# --- Delete -------------------------------------------------------------------------------


def _log_entries_of(user) -> Q:
    """The admin's log lines about the person's rows (their object_repr holds their words)."""
    from tracker.accounts.models import Profile

    def ids(rows) -> list[str]:
        return [str(pk) for pk in rows.values_list("pk", flat=True)]

    targets = [
        (get_user_model(), [str(user.pk)]), (Profile, ids(Profile.objects.filter(user=user)))
    ]
    targets += [(export.TABLE[name].model, ids(export.TABLE[name].rows(user))) for name in LOGGED]
    q = Q(user=user)
    for model, pks in targets:
        if pks:
            q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=pks)
    return q


# The person's tables (as the export reads them) whose rows the admin log can name, and those
# the deleted account's record counts.
LOGGED = ("incidents", "contacts", "outreach", "reschedules", "reminders", "promised_materials")
DELETE_COUNTED = LOGGED + ("proposed_slots", "safeguards", "timeline")


def account_delete(*, user, now: datetime) -> DeletedAccount:
    """Erase the person: their pending reminders are cancelled first (none can go out after
    this), then every row they own and every contact detail they entered, the admin's log
    lines about them, the login records naming them and the coach invitations addressed to
    them. What stays is a DeletedAccount with counts. The caller has checked the password."""
    now = _now(now)
    User = get_user_model()
    from allauth.account.models import EmailAddress
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        # A reminder being sent holds its incident (the dispatcher's share lock): this waits
        # for that send, and no new send can start on these incidents afterwards.
        incident_ids = list(
            Incident.objects.select_for_update().filter(owner=user).values_list("pk", flat=True)
        )
        cancelled = reminders_cancel(
            reminders=list(
                Reminder.objects.filter(
                    incident_id__in=incident_ids, status=Reminder.Status.PENDING
                )
            ),
            now=now,
            reason=DELETE_REASON,
        )
        counts = {name: export.TABLE[name].rows(user).count() for name in DELETE_COUNTED}
        counts |= {
            "reminders_cancelled": cancelled,
            "coach_comments": CoachComment.objects.filter(
                Q(incident_id__in=incident_ids) | Q(author=user)
            ).count(),
            "exports": DataExport.objects.filter(owner=user).count(),
        }
        addresses = {
            a.lower()
            for a in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        } | ({user.email.lower()} if user.email else set())
        names = addresses | {user.get_username().lower()}
        address_q = Q()
        for a in addresses:
            address_q |= Q(email__iexact=a)
        # Invitations addressed to them by others, and the accesses they held as a coach.
        CoachAccess.objects.filter(
            Q(coach=user) | address_q if addresses else Q(coach=user)
        ).delete()
        LogEntry.objects.filter(_log_entries_of(user)).delete()
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            name_q = Q()
            for n in names:
                name_q |= Q(username__iexact=n)
            model.objects.filter(name_q).delete()
        # Everything else goes with the user: profile, addresses, incidents and all below
        # them, contacts, exports, accesses given, comments written.
        user.delete()
        record = DeletedAccount.objects.create(deleted_at=now, counts=counts)
    log.info("Account deleted: %s", counts, extra={"counts": counts})
    return record


# --- Coach --------------------------------------------------------------------------------

INVITE_SUBJECT = "An invitation to coach someone through a missed interview"


def _invitation(access: CoachAccess, person_name: str, person_address: str):
    url = settings.SITE_URL.rstrip("/") + reverse("coach_accept", args=[tokens.coach_token(access)])
    context = {
        "name": person_name,
        "address": person_address,
        "url": url,
        "days": settings.PRIVACY_COACH_LINK_DAYS,
        "share_contacts": access.share_contacts,
    }
    message = EmailMultiAlternatives(
        subject=INVITE_SUBJECT,
        body=render_to_string("privacy/email/coach_invitation.txt", context),
        to=[access.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string("privacy/email/coach_invitation.html", context), "text/html"
    )
    return message


def coach_invite(*, person, email: str, share_contacts: bool, now: datetime) -> CoachAccess:
    """Invite a coach by email: a signed link they accept with their own account. Only from a
    confirmed address (the invitation names it), within the daily limit."""
    now = _now(now)
    email = email.strip().lower()
    person_address = reminder_address(person)
    if not person_address:
        raise PrivacyRefused("Confirm your email address first: the invitation names it.")
    if email in {person_address.lower(), (person.email or "").lower()}:
        raise PrivacyRefused("You cannot be your own coach.", code="self")
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=person.pk).first()
        if (
            CoachAccess.objects.filter(person=person, email=email)
            .exclude(state=CoachAccess.State.ENDED)
            .exists()
        ):
            raise PrivacyRefused(f"{email} is already invited or your coach.", code="twice")
        limits.check_and_count("coach_invitation", account=person.pk, recipient=email, now=now)
        access = CoachAccess.objects.create(
            person=person, email=email, invited_at=now, share_contacts=share_contacts
        )
        profile = getattr(person, "profile", None)
        name = profile.full_name if profile else ""
        message = _invitation(access, name, person_address)
        transaction.on_commit(lambda: _send(message))
    return access


def _send(message) -> None:
    try:
        message.send()
    except Exception:  # the page must not break; the person can invite again
        log.exception("Could not send the coach invitation")


def coach_accept(*, coach, invitation: tokens.CoachInvitation, now: datetime) -> CoachAccess:
    """The coach, logged in with their own account, accepts: the account must hold the
    invited address, confirmed."""
    now = _now(now)
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        access = (
            CoachAccess.objects.select_for_update()
            .select_related("person")
            .filter(pk=invitation.access_id, email=invitation.email)
            .first()
        )
        if access is None or access.state == CoachAccess.State.ENDED:
            raise PrivacyRefused("This invitation is no longer in use.", code="gone")
        if access.person_id == coach.pk:
            raise PrivacyRefused("You cannot be your own coach.", code="self")
        if access.state == CoachAccess.State.ACTIVE:
            if access.coach_id == coach.pk:
                return access
            raise PrivacyRefused("This invitation was already accepted.", code="taken")
        if not EmailAddress.objects.filter(
            user=coach, email__iexact=access.email, verified=True
        ).exists():
            raise PrivacyRefused(
                f"This invitation was sent to {access.email}. Log in with that address "
                "(confirmed) to accept it.",
                code="address",
            )
        access.coach = coach
        access.state = CoachAccess.State.ACTIVE
        access.accepted_at = now
        access.save(update_fields=["coach", "state", "accepted_at"])
    return access


def coach_share(*, access: CoachAccess, share_contacts: bool, now: datetime) -> CoachAccess:
    _now(now)
    with transaction.atomic():
        access = CoachAccess.objects.select_for_update().get(pk=access.pk)
        if access.state == CoachAccess.State.ENDED:
            raise PrivacyRefused("This access has ended.", code="ended")
        access.share_contacts = share_contacts
        access.save(update_fields=["share_contacts"])
    return access


def coach_end(*, access: CoachAccess, now: datetime) -> CoachAccess:
    """The person ends the access (or withdraws the invitation): from now on the coach gets a
    404 everywhere, and the link in the invitation no longer works."""
    now = _now(now)
    with transaction.atomic():
        access = CoachAccess.objects.select_for_update().get(pk=access.pk)
        if access.state != CoachAccess.State.ENDED:
            access.state = CoachAccess.State.ENDED
            access.ended_at = now
            access.save(update_fields=["state", "ended_at"])
    return access


def comment_add(*, incident: Incident, author, text: str, now: datetime) -> CoachComment:
    """A comment on an incident by the person's coach (the selector checked the access) or
    the person's answer."""
    now = _now(now)
    comment = CoachComment(
        incident=incident,
        author=author,
        by_coach=author.pk != incident.owner_id,
        text=text.strip(),
        created_at=now,
    )
    comment.full_clean()
    comment.save()
    return comment

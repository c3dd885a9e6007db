"""Every write to reminders. `reminders_sync` is the only writer of pending reminders; the
incident services call it inside the transaction of each write that changes a fact.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max

from tracker.accounts import limits  # issue 12: the test reminder's daily limit
from tracker.accounts.selectors import partner_address, reminder_address
from tracker.incidents.selectors import situation_for
from tracker.incidents.situation import Situation

from . import planning
from .models import Reminder, message_id_for

log = logging.getLogger(__name__)

Status = Reminder.Status
STAFF_CANCEL_REASON = "Cancelled by staff."
TEST_VALID = timedelta(hours=1)
TEST_THROTTLE = timedelta(seconds=60)


class ReminderRefused(Exception):
    """The step is not allowed now; the message says why, for the person."""


def _key(row: Reminder) -> planning.Key:
    return planning.Key(row.kind, row.reschedule_id, row.version)


def _new_row(incident, p: planning.Planned) -> Reminder:
    return Reminder(
        incident=incident,
        reschedule_id=p.key.reschedule_id,
        kind=p.kind,
        version=p.key.version,
        due_at=p.due_at,
        expires_at=p.expires_at,
        status=Status.SKIPPED if p.skip_reason else Status.PENDING,
        reason=p.skip_reason or p.note,
        message_id=message_id_for(
            incident_id=incident.pk,
            reschedule_id=p.key.reschedule_id,
            kind=p.kind,
            version=p.key.version,
        ),
    )


def delivery_facts(situation: Situation, rows: Iterable[Reminder] = ()) -> planning.Facts:
    """The situation's planning facts with the person's delivery preferences: quiet hours, and
    whether the partner gets their own copy (only once they accepted the invitation and while
    they have not stopped it: `accounts.selectors.partner_address`)."""
    profile = situation.incident.owner.profile
    facts = situation.plan
    return dataclasses.replace(
        facts,
        quiet_hours=getattr(profile, "quiet_hours", True),
        partner=bool(partner_address(profile)),
        before_1h_sent_at=_before_1h_sent_at(facts, rows),  # issue 15: the escalation
    )


def _before_1h_sent_at(facts: planning.Facts, rows: Iterable[Reminder]) -> datetime | None:
    """When the 1 h reminder of the interview's current version went out, from `rows`."""
    iv = facts.interview
    if iv is None:
        return None
    return next(
        (r.sent_at or r.updated_at for r in rows
         if r.kind == planning.BEFORE_1H and r.status == Status.SENT
         and (r.reschedule_id, r.version) == (iv.reschedule_id, iv.version)),
        None,
    )


def reminders_sync(*, incident, now: datetime, situation: Situation | None = None
                   ) -> dict[str, int]:
    """Bring the incident's reminder rows in line with its facts. Call inside the write's
    transaction: creates what is missing, cancels what is stale, never touches what was sent
    or is being sent. A reminder planned after its due time is due at once while before its
    expiry (catch-up), and stored as skipped with the reason after it; so is one of a kind the
    person turned off. A row due now asks the dispatcher to run once the write commits.

    `situation`: one the caller read fresh in this transaction with the incident held (the
    dispatcher's, after a send), so that it is not read again; by default it is read here."""
    counts = {"created": 0, "skipped": 0, "cancelled": 0, "updated": 0, "revived": 0}
    with transaction.atomic():
        # Locked so that a dispatcher's claim (SKIP LOCKED) waits for this write to commit.
        rows = list(
            Reminder.objects.select_for_update()
            .filter(incident=incident)
            .exclude(kind=Reminder.Kind.TEST)
        )
        facts = delivery_facts(situation or situation_for(incident), rows)
        planned = {p.key: p for p in planning.plan(facts, now)}
        seen = set()
        for row in rows:
            key = _key(row)
            seen.add(key)
            p = planned.get(key)
            changes: dict = {}
            if row.status == Status.PENDING:
                if p is None:
                    reason = planning.stale_reason(key, facts) or "No longer needed."
                    changes = {"status": Status.CANCELLED, "reason": reason}
                    counts["cancelled"] += 1
                elif p.skip_reason:
                    # Turned off (one past its expiry is left for the dispatcher to expire).
                    if p.expires_at > now:
                        changes = {"status": Status.SKIPPED, "reason": p.skip_reason}
                        counts["skipped"] += 1
                elif _moved(row, p, now):
                    # The person's zone or quiet hours changed a wall-clock kind; same
                    # reminder, new time. (A row already due stays due: a caught-up plan is
                    # due "now" at every sync.)
                    changes = {"due_at": p.due_at, "expires_at": p.expires_at,
                               "reason": p.note}
                    counts["updated"] += 1
            elif (
                row.status in (Status.CANCELLED, Status.SKIPPED)
                and p is not None
                and not p.skip_reason
                and row.reason != STAFF_CANCEL_REASON
            ):
                # Wanted again (a reopened incident, a kind turned back on) and still before
                # its expiry: due at its time, or at once if that has passed (catch-up).
                changes = {
                    "status": Status.PENDING,
                    "reason": p.note,
                    "due_at": p.due_at,
                    "expires_at": p.expires_at,
                    "attempts": 0,
                    "next_attempt_at": None,
                }
                counts["revived"] += 1
            if changes:
                # Conditional on the status read under the lock: never overwrite a claim.
                Reminder.objects.filter(pk=row.pk, status=row.status).update(
                    updated_at=now, **changes
                )
        new = [_new_row(incident, p) for key, p in planned.items() if key not in seen]
        if new:
            Reminder.objects.bulk_create(new)
            counts["created"] += sum(1 for r in new if r.status == Status.PENDING)
            counts["skipped"] += sum(1 for r in new if r.status == Status.SKIPPED)
        if any(r.status == Status.PENDING and r.due_at <= now for r in new) or (
            counts["revived"] and any(p.due_at <= now for p in planned.values())
        ):
            # A notice or a caught-up reminder: sent now rather than at the next tick.
            transaction.on_commit(_kick_dispatcher)
    return counts


def _moved(row: Reminder, p: planning.Planned, now: datetime) -> bool:
    if row.expires_at != p.expires_at:
        return True
    if row.due_at <= now and p.due_at <= now:
        return False
    return row.due_at != p.due_at


def _kick_dispatcher() -> None:
    """Ask for a dispatch now rather than at the next tick. Best effort: beat catches up."""
    from .tasks import dispatch_due

    try:
        dispatch_due.apply_async()
    except Exception:  # the broker being down must not break the page; beat sends it later
        log.warning("Could not queue an immediate reminder dispatch", exc_info=True)


def reminder_send_test(*, incident, now: datetime) -> Reminder:
    """A test reminder to the person, due now, through the same dispatcher as the real ones."""
    if incident.phase == incident.Phase.CLOSED:
        raise ReminderRefused("This incident is closed; reopen it to test its reminders.")
    # Issue 12: only to a confirmed address, and a daily allowance per person and address.
    address = reminder_address(incident.owner)
    if not address:
        raise ReminderRefused("Confirm your email address first: reminders go only to a "
                              "confirmed address.")
    with transaction.atomic():
        tests = Reminder.objects.select_for_update().filter(
            incident=incident, kind=Reminder.Kind.TEST
        )
        last = tests.aggregate(v=Max("version"), at=Max("due_at"))
        if last["at"] is not None and now - last["at"] < TEST_THROTTLE:
            raise ReminderRefused("A test reminder was just sent; give it a minute to arrive.")
        try:
            limits.check_and_count(
                "test_reminder", account=incident.owner_id, recipient=address, now=now
            )
        except limits.LimitReached as exc:
            raise ReminderRefused(str(exc)) from exc
        version = (last["v"] or 0) + 1
        reminder = Reminder.objects.create(
            incident=incident,
            kind=Reminder.Kind.TEST,
            version=version,
            due_at=now,
            expires_at=now + TEST_VALID,
            message_id=message_id_for(
                incident_id=incident.pk, reschedule_id=None, kind="test", version=version
            ),
        )
        transaction.on_commit(_kick_dispatcher)
    return reminder


def reminders_retry(*, reminders: Iterable[Reminder], now: datetime) -> tuple[int, int]:
    """Put failed reminders back in the queue. One past its expiry stays failed: a late
    reminder would mislead. Returns (requeued, too late)."""
    ids = [r.pk for r in reminders if r.status == Status.FAILED]
    with transaction.atomic():
        late = Reminder.objects.filter(pk__in=ids, status=Status.FAILED, expires_at__lte=now)
        too_late = late.count()
        requeued = Reminder.objects.filter(
            pk__in=ids, status=Status.FAILED, expires_at__gt=now
        ).update(
            status=Status.PENDING,
            attempts=0,
            next_attempt_at=None,
            reason="",
            updated_at=now,
        )
    if requeued:
        transaction.on_commit(_kick_dispatcher)
    return requeued, too_late


def reminders_cancel(
    *, reminders: Iterable[Reminder], now: datetime, reason: str = STAFF_CANCEL_REASON
) -> int:
    """Cancel pending reminders (a claimed one is already on its way and is left alone)."""
    ids = [r.pk for r in reminders]
    return Reminder.objects.filter(pk__in=ids, status=Status.PENDING).update(
        status=Status.CANCELLED, reason=reason, updated_at=now
    )

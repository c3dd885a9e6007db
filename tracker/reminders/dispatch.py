"""The dispatcher: claim due reminders with a lease, re-check them, send them over one SMTP
connection, and mark each one sent, failed or back to pending.

The Reminder row is the truth; the broker only carries "look now" ticks. Two dispatchers, two
beats, a killed worker or a restarted broker can delay a reminder, never lose or duplicate it:
claims and marks are conditional UPDATEs; a dead worker's claims come back when their lease
expires. The one unavoidable duplicate is a crash between the server's 250 and our mark (the
SMTP reply gap); it carries the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone

from tracker.accounts.selectors import reminder_address
from tracker.incidents.models import Incident
from tracker.incidents.selectors import situations_for_dispatch
from tracker.messaging import emails

from . import planning
from .mail import reminder_mail
from .models import Reminder
from .signals import reminder_sent
from .smtp import backoff, classify, reset, socket_gone

log = logging.getLogger(__name__)
Status = Reminder.Status

UNCONFIRMED_REASON = (
    "Your email address is not confirmed yet: confirm it (the link is in the email we sent) "
    "and your reminders go out again."
)
EXPIRED_REASON = "It could not be sent before it expired; a late reminder would mislead."
LEASE_LOST_ERROR = "The dispatcher holding it stopped before finishing; it was queued again."


@dataclass
class Result:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    cancelled: int = 0
    skipped: int = 0
    expired: int = 0
    released: int = 0
    batches: int = 0
    lease_lost: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Result) -> None:
        for f in (
            "sent", "failed", "retrying", "cancelled", "skipped", "expired", "released",
            "batches", "lease_lost",
        ):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.errors.extend(other.errors)


def expire_overdue(now: datetime) -> int:
    """Pending reminders past their expiry become expired: never sent late. (due_at <= now
    holds whenever expires_at <= now, and lets the partial index do the work.)"""
    overdue = Reminder.objects.filter(status=Status.PENDING, due_at__lte=now, expires_at__lte=now)
    rows = list(overdue.only("pk", "kind", "message_id")[:1000])
    if not rows:
        return 0
    n = Reminder.objects.filter(pk__in=[r.pk for r in rows], status=Status.PENDING).update(
        status=Status.EXPIRED, reason=EXPIRED_REASON, next_attempt_at=None, updated_at=now
    )
    for row in rows:
        _log("expired", row)
    return n


def release_expired_leases(now: datetime) -> int:
    """Claims whose lease ran out (their worker died or hung) go back to pending."""
    return Reminder.objects.filter(status=Status.SENDING, lease_expires_at__lte=now).update(
        status=Status.PENDING,
        lease_token="",
        lease_expires_at=None,
        last_error=LEASE_LOST_ERROR,
        updated_at=now,
    )


def claim(*, now: datetime, limit: int, lease: timedelta) -> tuple[str, list[int]]:
    """Claim up to `limit` due, pending rows for one new lease token; returns (token, ids)."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        qs = (
            Reminder.objects.filter(status=Status.PENDING, due_at__lte=now, expires_at__gt=now)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            # Only due_at: the partial index gives that order, so LIMIT stops early however
            # many rows are due (a tie-breaker on pk would sort every due row first).
            .order_by("due_at")
        )
        if db_connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: concurrent dispatchers pick disjoint rows instead of queueing.
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        # The race this wins: two dispatchers (two beats, or a tick overlapping a slow one)
        # read the same pending ids. Only an UPDATE that still sees status=pending takes a
        # row, so each row gets exactly one token; the row count says how many we won.
        won = Reminder.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.SENDING,
            lease_token=token,
            lease_expires_at=now + lease,
            claimed_at=now,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    if won == 0:
        return token, []
    if won < len(ids):
        log.info("Another dispatcher took %d of %d reminders", len(ids) - won, len(ids))
        ids = list(
            Reminder.objects.filter(pk__in=ids, lease_token=token).values_list("pk", flat=True)
        )
    return token, ids


def _mine(pk: int, token: str):
    return Reminder.objects.filter(pk=pk, status=Status.SENDING, lease_token=token)


def _finish(pk: int, token: str, **changes) -> bool:
    changes.setdefault("lease_token", "")
    changes.setdefault("lease_expires_at", None)
    return _mine(pk, token).update(updated_at=timezone.now(), **changes) == 1


def _log(event: str, row: Reminder, level: int = logging.INFO, **more) -> None:
    """One line per reminder and outcome, with what identifies it (JSON fields with
    LOG_FORMAT=json)."""
    fields = {"reminder_id": row.pk, "kind": row.kind, "message_id": row.message_id, **more}
    detail = " ".join(f"{k}={v}" for k, v in more.items())
    log.log(level, "Reminder %s %s %s %s%s", row.pk, event, row.kind, row.message_id,
            f" {detail}" if detail else "", extra=fields)


def _mark_sent(pk: int, token: str) -> bool:
    """The "sent" mark: one conditional UPDATE, so that the duplicate window stays the SMTP
    reply gap."""
    return _finish(
        pk, token, status=Status.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )


def _mark_sent_again(pk: int, token: str, until: float) -> bool:
    """The mark after the server's 250, when the connection that was to write it died: on a
    fresh connection, again and again while the lease holds (a row marked by nobody would be
    sent twice once its lease ran out)."""
    delay = 0.1
    while True:
        db_connection.close()
        try:
            return _mark_sent(pk, token)
        except DatabaseError:
            if time.monotonic() + delay > until:
                log.exception("Reminder %s: the sent mark could not be written", pk)
                return False
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _transient(row: Reminder, token: str, error: str, now: datetime, result: Result) -> None:
    if row.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        _finish(
            row.pk,
            token,
            status=Status.FAILED,
            last_error=f"Gave up after {row.attempts} attempts. {error}"[:500],
        )
        _log("failed", row, logging.WARNING, error=error, attempts=row.attempts)
        result.failed += 1
        return
    _finish(
        row.pk,
        token,
        status=Status.PENDING,
        next_attempt_at=now + backoff(row.attempts),
        last_error=error[:500],
    )
    _log("retrying", row, logging.WARNING, error=error, attempts=row.attempts)
    result.retrying += 1


def _unreachable(ids: list[int], token: str, attempts: int, error: str, result: Result) -> None:
    """The server cannot be reached: every row still held waits (or gives up) together."""
    now = timezone.now()
    held = Reminder.objects.filter(pk__in=ids, status=Status.SENDING, lease_token=token)
    log.warning("Mail server unreachable, %d reminder(s) wait: %s", held.count(), error)
    result.failed += held.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        status=Status.FAILED, lease_token="", lease_expires_at=None, updated_at=now,
        last_error=f"Gave up after {settings.REMINDER_MAX_ATTEMPTS} attempts. {error}"[:500],
    )
    result.retrying += held.update(
        status=Status.PENDING, lease_token="", lease_expires_at=None, updated_at=now,
        next_attempt_at=now + backoff(attempts), last_error=error[:500],
    )


def _hold(row: Reminder, token: str) -> bool:
    """Hold the row's incident so that no move, call-off or close commits until this row's send
    is over, and say whether the row is still ours (sending, under our token); one statement.
    PostgreSQL: a share lock on the incident, which the services' exclusive lock waits for (both
    bounded by the lock timeout). On SQLite the transaction itself began IMMEDIATE and holds the
    database's one write lock, which every writer waits for: the same guarantee."""
    mine = _mine(row.pk, token)
    if db_connection.vendor != "postgresql":
        return mine.exists()
    reminders = db_connection.ops.quote_name(Reminder._meta.db_table)
    incidents = db_connection.ops.quote_name(Incident._meta.db_table)
    with db_connection.cursor() as cursor:
        # Django's psycopg cursor binds on the client: both statements go in one round trip.
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true); "  # noqa: S608 (table names quoted)
            f"SELECT 1 FROM {reminders} r JOIN {incidents} i ON i.id = r.incident_id "
            "WHERE r.id = %s AND r.status = %s AND r.lease_token = %s FOR SHARE OF i",
            [f"{int(settings.INCIDENT_LOCK_TIMEOUT_SECONDS * 1000)}ms", row.pk,
             Status.SENDING, token],
        )
        cursor.nextset()  # the second statement's rows
        return cursor.fetchone() is not None


def _renew_if_short(row: Reminder, token: str, lease: timedelta, now: datetime) -> bool:
    """Make sure the row's lease outlasts the slowest allowed reply (EMAIL_TIMEOUT and a margin)
    before its send: renewed and committed only when what is left is shorter, so that other
    dispatchers see the new lease while the row is sent. False when the row is no longer ours."""
    needed = timedelta(seconds=(settings.EMAIL_TIMEOUT or 0)
                       + settings.REMINDER_LEASE_MARGIN_SECONDS)
    if row.lease_expires_at is not None and row.lease_expires_at - now >= needed:
        return True
    if not _mine(row.pk, token).update(lease_expires_at=now + lease, updated_at=now):
        return False
    row.lease_expires_at = now + lease
    return True


class _Skip(Exception):
    """This row is not ours to send any more (its lease went to another dispatcher)."""


def _send_one(conn, row: Reminder, token: str, lease: timedelta, result: Result,
              addresses: dict[int, str]) -> None:
    """Check one claimed row just before its own send and send it, holding its incident from
    the check through the send and the mark. `addresses` keeps the batch's confirmed addresses
    by person (an address once confirmed stays so)."""
    sent = False
    if not _renew_if_short(row, token, lease, timezone.now()):
        return
    try:
        with transaction.atomic():
            if not _hold(row, token):  # staff or an expired lease took it meanwhile
                raise _Skip
            now = timezone.now()
            situation = situations_for_dispatch([row.incident_id]).get(row.incident_id)
            if situation is None:  # the incident is gone (its rows go with it)
                raise _Skip
            # The row as claimed: a sending row's due time and expiry no longer change.
            if row.expires_at <= now:
                _finish(row.pk, token, status=Status.EXPIRED, reason=EXPIRED_REASON)
                _log("expired", row)
                result.expired += 1
                return
            facts = situation.plan
            key = planning.Key(row.kind, row.reschedule_id, row.version)
            # The version re-check: the interview may have moved or the incident closed after
            # this row was claimed; a reminder for an outdated time is never sent.
            reason = planning.stale_reason(key, facts)
            if reason:
                _finish(row.pk, token, status=Status.CANCELLED, reason=reason)
                _log("cancelled", row, reason=reason)
                result.cancelled += 1
                return
            if row.kind in facts.reminders_off:
                _finish(row.pk, token, status=Status.SKIPPED,
                        reason=planning.turned_off_reason(row.kind))
                result.skipped += 1
                return
            owner = situation.incident.owner
            if owner.pk not in addresses:
                addresses[owner.pk] = reminder_address(owner)
            if row.kind not in planning.PARTNER_KINDS and not addresses[owner.pk]:
                # Mail only to an address that said yes; it comes back once confirmed.
                _finish(row.pk, token, status=Status.SKIPPED, reason=UNCONFIRMED_REASON)
                _log("skipped", row, reason="address not confirmed")
                result.skipped += 1
                return
            try:
                message = emails.reminder_message(reminder_mail(row, situation, now=now))
            except Exception as exc:  # a rendering bug: visible on the row, never retried
                log.exception("Could not render reminder %s", row.pk)
                _finish(row.pk, token, status=Status.FAILED, last_error=classify(exc)[1][:500])
                _log("failed", row, logging.ERROR, error=classify(exc)[1])
                result.failed += 1
                return
            try:
                # Opened here (not inside send_messages, which would close it again after
                # each message): one connection serves the whole batch.
                conn.open()
                conn.send_messages([message])
            except Exception as exc:
                if socket_gone(conn, exc):
                    reset(conn)
                transient, error = classify(exc)
                result.errors.append(error)
                if not transient:
                    _finish(row.pk, token, status=Status.FAILED, last_error=error[:500])
                    _log("failed", row, logging.WARNING, error=error)
                    result.failed += 1
                    return
                if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
                    reset(conn)
                    raise _Unreachable(error) from exc
                _transient(row, token, error, timezone.now(), result)
                return
            sent = True
            if _mark_sent(row.pk, token):
                result.sent += 1
                _log("sent", row)
                # Issue 15: what follows a sent reminder (the escalation after the 1 h one).
                reminder_sent.send(Reminder, reminder=row, incident=situation.incident, now=now,
                                   situation=situation)
            else:
                result.lease_lost += 1
                _log("sent after its lease was lost", row, logging.ERROR)
    except _Skip:
        return
    except DatabaseError:
        if not sent:
            # Nothing went out (a lock timeout while a move holds the incident, a dropped
            # connection): back to pending at once for the next tick.
            log.warning("Reminder %s: not sent this time, database error before the send",
                        row.pk, exc_info=True)
            db_connection.close()
            try:
                _finish(row.pk, token, status=Status.PENDING)
            except DatabaseError:  # its lease runs out and brings it back
                log.exception("Reminder %s could not be handed back", row.pk)
            return
        # The server said 250 but the mark (or its commit) failed: write it again.
        until = time.monotonic() + lease.total_seconds() - 1
        if _mark_sent_again(row.pk, token, until):
            result.sent += 1
            _log("sent", row, remarked=True)
            # What follows a sent reminder follows this one too, in a transaction of its own:
            # the hold is gone with the failed one, so the receivers read the incident afresh.
            reminder_sent.send(Reminder, reminder=row, incident=situation.incident,
                               now=timezone.now(), situation=None)
        else:
            result.lease_lost += 1


class _Unreachable(Exception):
    """The mail server cannot be reached at all: the rest of the batch waits too."""


def process(token: str, ids: list[int], *, lease: timedelta, deadline: float | None = None
            ) -> Result:
    """Check and send one claimed batch over one SMTP connection, each row checked just before
    its own send. A row whose claim lease ran out meanwhile belongs to whoever claims it next;
    each row's lease is renewed when its turn comes, so a slow reply never outlives it. No row
    is started after `deadline` (monotonic; the dispatch budget by default): the rest go back
    to pending for the next tick."""
    result = Result(batches=1)
    if deadline is None:
        deadline = time.monotonic() + settings.REMINDER_DISPATCH_BUDGET_SECONDS
    conn = get_connection(fail_silently=False)
    rows = list(
        Reminder.objects.filter(pk__in=ids, lease_token=token, status=Status.SENDING)
        .order_by("due_at", "pk")
    )
    done = 0
    addresses: dict[int, str] = {}
    try:
        for row in rows:
            if time.monotonic() > deadline:
                break
            try:
                _send_one(conn, row, token, lease, result, addresses)
            except _Unreachable as exc:
                left = [r.pk for r in rows[done:]]
                _unreachable(left, token, row.attempts, str(exc), result)
                done = len(rows)
                break
            done += 1
    finally:
        unsent = [r.pk for r in rows[done:]]
        if unsent:
            # Not sent (we are being stopped): back to pending for the next tick. The one in
            # flight may have gone out; its duplicate has the same Message-ID.
            try:
                result.released += Reminder.objects.filter(
                    pk__in=unsent, status=Status.SENDING, lease_token=token
                ).update(status=Status.PENDING, lease_token="", lease_expires_at=None,
                         updated_at=timezone.now())
            except DatabaseError:  # their leases run out and bring them back
                log.exception("Could not release %d unsent reminders", len(unsent))
        reset(conn)
    return result


def run(*, budget: float | None = None, limit: int | None = None) -> Result:
    """One dispatcher pass: expire, release dead leases, then claim and send batches until
    nothing is due or the time budget is spent."""
    budget = settings.REMINDER_DISPATCH_BUDGET_SECONDS if budget is None else budget
    limit = limit or settings.REMINDER_BATCH_SIZE
    lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    started = time.monotonic()
    total = Result()
    while True:
        now = timezone.now()
        total.expired += expire_overdue(now)
        total.released += release_expired_leases(now)
        token, ids = claim(now=now, limit=limit, lease=lease)
        if not ids:
            break
        total.add(process(token, ids, lease=lease, deadline=started + budget))
        if len(ids) < limit or time.monotonic() - started > budget:
            break
    return total

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
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tracker.incidents.selectors import situations_for_dispatch
from tracker.incidents.situation import Situation
from tracker.messaging import emails

from . import planning
from .mail import reminder_mail
from .models import Reminder

log = logging.getLogger(__name__)
Status = Reminder.Status

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
    return Reminder.objects.filter(
        status=Status.PENDING, due_at__lte=now, expires_at__lte=now
    ).update(status=Status.EXPIRED, reason=EXPIRED_REASON, next_attempt_at=None, updated_at=now)


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


def _mark_sent(pk: int, token: str) -> bool:
    """The "sent" mark: one durable conditional UPDATE per message (autocommit), so that the
    duplicate window stays the SMTP reply gap."""
    return _finish(
        pk, token, status=Status.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )


def _load(ids: list[int], token: str) -> list[tuple[Reminder, Situation | None]]:
    """The claimed rows, each with its incident's situation read fresh for the re-check, in a
    fixed number of queries for the chunk."""
    rows = list(
        Reminder.objects.filter(pk__in=ids, lease_token=token, status=Status.SENDING)
        .order_by("due_at", "pk")
    )
    situations = situations_for_dispatch({r.incident_id for r in rows})
    return [(row, situations.get(row.incident_id)) for row in rows]


def _classify(exc: BaseException) -> tuple[bool, str]:
    """(transient?, error text) for a failed send."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
        return any(400 <= c < 500 for c in codes), f"Recipient refused: {text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error
        msg = msg.decode(errors="replace") if isinstance(msg, bytes) else str(msg)
        return not (500 <= exc.smtp_code < 600), f"SMTP {exc.smtp_code} {msg}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True, f"The mail server closed the connection: {exc}"
    if isinstance(exc, smtplib.SMTPException | OSError):
        return True, f"{type(exc).__name__}: {exc}"
    return False, f"{type(exc).__name__}: {exc}"


def backoff(attempts: int) -> timedelta:
    """Capped exponential backoff after the n-th failed attempt."""
    base = settings.REMINDER_RETRY_BASE_SECONDS
    cap = settings.REMINDER_RETRY_CAP_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _reset(conn) -> None:
    """Drop a broken SMTP connection so the next message opens a fresh one."""
    try:
        conn.close()
    except Exception:  # a dead socket may fail to say QUIT; it is being dropped anyway
        if hasattr(conn, "connection"):
            conn.connection = None


def _transient(row: Reminder, token: str, error: str, now: datetime, result: Result) -> None:
    if row.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        _finish(
            row.pk,
            token,
            status=Status.FAILED,
            last_error=f"Gave up after {row.attempts} attempts. {error}"[:500],
        )
        result.failed += 1
        return
    _finish(
        row.pk,
        token,
        status=Status.PENDING,
        next_attempt_at=now + backoff(row.attempts),
        last_error=error[:500],
    )
    result.retrying += 1


# Rows re-checked and rendered at a time, just before they are sent: a move or a close that
# commits while a batch is being sent stops the reminders not yet sent.
RECHECK_CHUNK = 10


def _prepare(ids: list[int], token: str, result: Result) -> list[tuple[Reminder, object]]:
    """Re-check claimed rows against fresh facts and render those still wanted."""
    prepared = []
    for row, situation in _load(ids, token):
        if situation is None:  # the incident is gone (its rows go with it)
            continue
        facts = situation.plan
        key = planning.Key(row.kind, row.reschedule_id, row.version)
        # The version re-check: the interview may have moved or the incident closed after
        # this row was claimed; a reminder for an outdated time is never sent.
        reason = planning.stale_reason(key, facts)
        if reason:
            _finish(row.pk, token, status=Status.CANCELLED, reason=reason)
            result.cancelled += 1
            continue
        if row.kind in facts.reminders_off:
            _finish(
                row.pk,
                token,
                status=Status.SKIPPED,
                reason=planning.turned_off_reason(row.kind),
            )
            result.skipped += 1
            continue
        try:
            message = emails.reminder_message(reminder_mail(row, situation))
        except Exception as exc:  # a rendering bug: visible on the row, not retried forever
            log.exception("Could not render reminder %s", row.pk)
            _finish(row.pk, token, status=Status.FAILED, last_error=_classify(exc)[1][:500])
            result.failed += 1
            continue
        prepared.append((row, message))
    return prepared


def _unreachable(ids: list[int], token: str, attempts: int, error: str, result: Result) -> None:
    """The server cannot be reached: every row still held waits (or gives up) together."""
    now = timezone.now()
    held = Reminder.objects.filter(pk__in=ids, status=Status.SENDING, lease_token=token)
    result.failed += held.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        status=Status.FAILED, lease_token="", lease_expires_at=None, updated_at=now,
        last_error=f"Gave up after {settings.REMINDER_MAX_ATTEMPTS} attempts. {error}"[:500],
    )
    result.retrying += held.update(
        status=Status.PENDING, lease_token="", lease_expires_at=None, updated_at=now,
        next_attempt_at=now + backoff(attempts), last_error=error[:500],
    )


def process(token: str, ids: list[int], *, lease: timedelta) -> Result:
    """Re-check, render and send one claimed batch over one SMTP connection."""
    result = Result(batches=1)
    started = time.monotonic()
    # Stop starting sends while a slow one could still outlive the lease.
    reserve = min(lease.total_seconds() / 2, 2 * (settings.EMAIL_TIMEOUT or 10) + 1)
    send_until = started + lease.total_seconds() - reserve
    conn = get_connection(fail_silently=False)
    remaining = list(ids)
    queue: list = []
    try:
        while remaining or queue:
            if not queue:
                chunk, remaining = remaining[:RECHECK_CHUNK], remaining[RECHECK_CHUNK:]
                queue = _prepare(chunk, token, result)
                continue
            row, message = queue[0]
            if time.monotonic() > send_until:
                break
            try:
                # Opened here (not inside send_messages, which would close it again after
                # each message): one connection serves the whole batch.
                conn.open()
                conn.send_messages([message])
            except Exception as exc:
                transient, error = _classify(exc)
                log.warning("Reminder %s not sent: %s", row.pk, error)
                result.errors.append(error)
                if not transient:
                    _finish(row.pk, token, status=Status.FAILED, last_error=error[:500])
                    result.failed += 1
                elif isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
                    _reset(conn)
                    _unreachable([r.pk for r, _ in queue] + remaining, token, row.attempts,
                                 error, result)
                    queue, remaining = [], []
                    break
                else:
                    _transient(row, token, error, timezone.now(), result)
                    if not isinstance(exc, smtplib.SMTPResponseException):
                        _reset(conn)
            else:
                if _mark_sent(row.pk, token):
                    result.sent += 1
                else:
                    # Our lease ran out and another dispatcher may have sent it too.
                    result.lease_lost += 1
                    log.error("Reminder %s sent after its lease was lost", row.pk)
            queue.pop(0)
    finally:
        unsent = [r.pk for r, _ in queue] + remaining
        if unsent:
            # Not sent (time ran out, or we are being stopped): back to pending for the next
            # tick. The one in flight may have gone out; its duplicate has the same Message-ID.
            result.released += Reminder.objects.filter(
                pk__in=unsent, status=Status.SENDING, lease_token=token
            ).update(status=Status.PENDING, lease_token="", lease_expires_at=None,
                     updated_at=timezone.now())
        _reset(conn)
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
        total.add(process(token, ids, lease=lease))
        if len(ids) < limit or time.monotonic() - started > budget:
            break
    return total

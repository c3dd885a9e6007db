"""What an SMTP failure means for a reminder, and the connection after it: helpers of the
dispatcher (tracker/reminders/dispatch.py)."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings

log = logging.getLogger("tracker.reminders.dispatch")


def classify(exc: BaseException) -> tuple[bool, str]:
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


def reset(conn) -> None:
    """Drop the SMTP connection so the next message opens a fresh one."""
    try:
        conn.close()
    except Exception:  # a dead socket may fail to say QUIT; it is being dropped anyway
        log.debug("SMTP connection dropped uncleanly", exc_info=True)
    conn.connection = None


def socket_gone(conn, exc: BaseException) -> bool:
    """After a 421 or a disconnect smtplib has closed its socket: the next message must not
    pay for this one."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421:
        return True
    smtp = getattr(conn, "connection", None)
    return smtp is not None and getattr(smtp, "sock", None) is None

"""Signals of the reminder engine (issue 15). `reminder_sent` is sent by the dispatcher inside
the transaction that marks a row sent, holding its incident; `receivers.py` answers it."""

from django.dispatch import Signal

# Sent with `reminder` (the row just marked sent), `incident` and `now`.
reminder_sent = Signal()

"""reminders_sync: the only writer of pending reminders (filled in by the reminder engine)."""


def reminders_sync(*, incident, now):
    """Bring the incident's reminder rows in line with its facts. Call inside the write's
    transaction."""
    return None

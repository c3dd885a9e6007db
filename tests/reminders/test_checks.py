"""The reminder engine's system checks: a lease that one slow SMTP reply could outlive is
refused before any worker starts (issue 13)."""

from django.core.checks import run_checks


def _errors(check_id):
    return [m for m in run_checks() if m.id == check_id]


def test_a_lease_shorter_than_email_timeout_plus_the_margin_is_refused(settings):
    settings.EMAIL_TIMEOUT = 20
    settings.REMINDER_LEASE_MARGIN_SECONDS = 5
    settings.REMINDER_LEASE_SECONDS = 10
    [error] = _errors("reminders.E001")
    assert "REMINDER_LEASE_SECONDS (10)" in error.msg and "EMAIL_TIMEOUT (20)" in error.msg
    assert "25" in error.hint


def test_a_lease_just_short_of_it_is_refused_and_one_that_covers_it_passes(settings):
    settings.EMAIL_TIMEOUT = 5
    settings.REMINDER_LEASE_MARGIN_SECONDS = 5
    settings.REMINDER_LEASE_SECONDS = 9.5
    assert _errors("reminders.E001")
    settings.REMINDER_LEASE_SECONDS = 10
    assert not _errors("reminders.E001")


def test_the_fault_tier_settings_pass(settings):
    # tests/integration/harness.py: EMAIL_TIMEOUT 5 s and a 10 s lease; the slow-reply fault
    # test: EMAIL_TIMEOUT 8 s, a 9 s lease and a 1 s margin.
    for timeout, lease, margin in ((5, 10, 5), (8, 9, 1)):
        settings.EMAIL_TIMEOUT = timeout
        settings.REMINDER_LEASE_SECONDS = lease
        settings.REMINDER_LEASE_MARGIN_SECONDS = margin
        assert not _errors("reminders.E001"), (timeout, lease, margin)


def test_no_email_timeout_is_refused(settings):
    settings.EMAIL_TIMEOUT = None
    assert _errors("reminders.E002")

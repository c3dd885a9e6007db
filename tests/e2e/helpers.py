"""Helpers of the browser journeys: named steps, logging in without the form, the page's
messages, the forms a person fills in (sign-up, the log form), the emails in the sink, keyboard
focus, horizontal overflow."""

from __future__ import annotations

import email
import email.policy
import re
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client


@contextmanager
def step(journey, name: str):
    """One named step of a journey. Its screenshot is taken when it ends (kept only if the test
    fails); if it fails, the page is shot as `failed-at-<name>` and the error names the step.
    Each page a step ends on is also checked for ids used twice."""
    try:
        yield
    except BaseException as exc:
        try:
            journey.step(f"failed at {name}")
        except Exception:  # noqa: S110 - a crashed page must not hide the step's own error
            pass
        exc.add_note(f"Journey step that failed: {name}")
        raise
    journey.step(name)
    assert_unique_ids(journey.page, name)


def assert_unique_ids(page, where=""):
    """Two elements with one id send a label (and a screen reader) to the wrong field."""
    duplicates = page.evaluate(
        """() => {
        const seen = new Map();
        for (const el of document.querySelectorAll("[id]")) {
          seen.set(el.id, (seen.get(el.id) || 0) + 1);
        }
        return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    }"""
    )
    assert not duplicates, f"ids used twice on {page.url} ({where}): {duplicates}"


def exactly(label: str) -> re.Pattern:
    """A label's whole text, with crispy's asterisk on a required field and the whitespace
    around it (get_by_label matches a pattern against the raw text)."""
    return re.compile(rf"^\s*{re.escape(label)}\*?\s*$")


def log_in(page, live_server, user):
    """Put a logged-in session cookie for `user` into the page's browser context (a session
    cookie: the browser keeps it whatever the server's clock says)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def has_focus(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, limit=40, key="Tab"):
    """Press Tab (or Shift+Tab) until `locator` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if has_focus(locator):
            return
        page.keyboard.press(key)
    pytest.fail(f"{locator} never received the focus after {limit} presses of {key}")


def horizontal_overflow(page) -> dict:
    """The page's scroll and client widths, and the elements that stick out on the right."""
    return page.evaluate(
        """() => {
        const root = document.documentElement;
        const width = root.clientWidth;
        const wide = [];
        for (const el of document.body.querySelectorAll("*")) {
          const r = el.getBoundingClientRect();
          if (r.right > width + 0.5 && r.width > 0) {
            wide.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
                      `${el.className && typeof el.className === "string"
                          ? "." + el.className.trim().split(/\\s+/).join(".") : ""}` +
                      ` right=${Math.round(r.right)}`);
          }
        }
        return {scrollWidth: root.scrollWidth, clientWidth: width, wide: wide.slice(0, 10)};
    }"""
    )


def fill_wall_time(scope, label, when) -> None:
    """Type a wall time into a date box and its 24-hour time box (issue 11's WallTimeWidget):
    the label names the date box; the time box is the one with its id + "_time"."""
    date = scope.get_by_label(label)
    date.fill(when.strftime("%Y-%m-%d"))
    time_box = scope.locator(f"#{date.get_attribute('id')}_time")
    time_box.fill(when.strftime("%H:%M"))


def wall_time_value(scope, label) -> str:
    """What a date box and its time box hold, as "2026-03-02T10:00"."""
    date = scope.get_by_label(label)
    time_box = scope.locator(f"#{date.get_attribute('id')}_time")
    return f"{date.input_value()}T{time_box.input_value()}"


def expect_message(page, text):
    """A success message saying `text`: a polite status (issue 11: role="alert" is for errors
    only)."""
    status = page.get_by_role("status").filter(has_text=text)
    shown = page.get_by_role("status").all_inner_texts()
    assert status.count() == 1, f"no message saying {text!r}: {shown}"


def expect_error(page, text):
    """A refusal is an error: role="alert", read out at once."""
    alert = page.get_by_role("alert").filter(has_text=text)
    shown = page.get_by_role("alert").all_inner_texts()
    assert alert.count() == 1, f"no error saying {text!r}: {shown}"


def phase_badge(page) -> str:
    """The incident's phase, as the badge in the page's header names it."""
    return page.locator("header .badge").first.inner_text()


def submit_sign_up(page, address, password) -> None:
    """Type the address and the password (twice) into the sign-up page and send it; the page
    that asks to check the inbox follows."""
    page.get_by_label(exactly("Email")).fill(address)
    page.get_by_label(exactly("Password")).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))


def confirm_email(page, address) -> None:
    """Open the confirmation link of the one email sent to `address` (the live server runs in
    this process: its email is in the test's outbox) and confirm; the dashboard follows."""
    (message,) = [m for m in mail.outbox if m.to == [address]]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body)
    page.goto(link.group(1))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/$"))


def fill_log_form(page, missed) -> None:
    """The log form, filled in as a person would for a video interview with Acme Analytics
    missed at `missed` (a Kolkata wall time) through a time-zone error: Priya Raman was the
    interviewer, found out 5 minutes after. Not sent."""
    page.get_by_label("Company").fill("Acme Analytics")
    page.get_by_label("Role you interviewed for").fill("Data engineer")
    fill_wall_time(page, "When the interview was", missed)
    page.get_by_label("Time zone the interview was set in").fill("Asia/Kolkata")
    page.get_by_label("Format").select_option(label="Video")
    page.get_by_label("What happened").select_option(label="Time-zone error")
    page.get_by_text("Interviewer or recruiter, and when you realised").click()
    page.get_by_label(exactly("Interviewer or recruiter")).fill("Priya Raman")
    page.get_by_label("Their email").fill("priya@acme.example")
    page.get_by_label("You realised it").fill("5")


def reminder_email(kind) -> email.message.EmailMessage:
    """The one reminder email of `kind` in the sink (Django's in-memory outbox), read back with
    the standard library's parser."""
    found = [m for m in mail.outbox if f" {kind} " in m.extra_headers["X-Tracker-Reminder"]]
    assert len(found) == 1, [m.subject for m in mail.outbox]
    return email.message_from_bytes(found[0].message().as_bytes(), policy=email.policy.default)

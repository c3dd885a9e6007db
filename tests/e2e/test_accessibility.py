"""Issue 11: axe-core in the browser tier. Every page of the person's app (each incident state,
the drafts, the visitor's pages, the account pages) and the admin pages staff use (the change
list and the change form of each model) are checked; any serious or critical violation fails.

axe-core is an npm package pinned in tests/e2e/axe/package.json; `make axe` installs it (npm
ci), and this tier fails with that command when it is missing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory
from tracker.incidents import services

from .helpers import fill_wall_time, log_in
from .test_mobile import seed

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"axe-core is not installed at {AXE}. Install it with `make axe` "
            "(npm ci --prefix tests/e2e/axe; needs Node.js and npm: apt-get install -y npm).",
            pytrace=False,
        )
    return AXE.read_text()


def violations(page, axe_source) -> list[dict]:
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.evaluate(axe_source)
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                       resultTypes: ["violations"]})""",
        TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": len(v["nodes"]),
            "first": v["nodes"][0]["target"] if v["nodes"] else None,
        }
        for v in result["violations"]
    ]


def check(page, axe_source, url, found):
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    # Unfold every folded section, so the checks see all of the page.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    found[url] = violations(page, axe_source)


def report(found: dict) -> list[str]:
    lines, bad = [], []
    for url, vs in found.items():
        for v in vs:
            line = f"{url}: {v['id']} ({v['impact']}, {v['nodes']} nodes, e.g. {v['first']})"
            lines.append(line)
            if v["impact"] in FAILING:
                bad.append(line)
    print(f"\naxe: {len(found)} pages, {len(lines)} violations ({len(bad)} serious or critical)")
    for line in lines:
        print("  " + line)
    return bad


def test_every_page_of_the_app_has_no_serious_accessibility_violation(
    page, live_server, axe_source
):
    found: dict[str, list] = {}
    # Signed out: the visitor's start and drafts, and the account pages.
    check(page, axe_source, "/", found)
    page.get_by_label("Your name").fill("Alex Morgan")
    page.get_by_label("Company").fill("Acme")
    page.get_by_label("Role you interviewed for").fill("Data engineer")
    fill_wall_time(page, "When the interview was", datetime.now(UTC) - timedelta(minutes=30))
    page.get_by_label("Time zone the interview was set in").fill("Europe/Berlin")
    page.get_by_label("What happened").select_option(label="Time-zone error")
    page.get_by_role("button", name="Show me what to say").click()
    page.wait_for_url("**/start/drafts/")
    check(page, axe_source, reverse("visitor_drafts"), found)
    for name in ("login", "signup", "password_reset"):
        check(page, axe_source, reverse(name), found)

    now = datetime.now(UTC)
    user = UserFactory(profile_zone="America/Chicago")
    log_in(page, live_server, user)
    incidents = {
        state: seed(user, state, now, n)
        for n, state in enumerate(("just logged", "awaiting their reply", "confirmed"), start=1)
    }
    closed = seed(user, "just logged", now, 9)
    services.incident_close(incident=closed, outcome="moved_on", now=now)
    for name in ("dashboard", "history", "incident_log", "profile"):
        check(page, axe_source, reverse(name), found)
    for incident in [*incidents.values(), closed]:
        check(page, axe_source, reverse("incident_detail", args=[incident.pk]), found)
    logged = incidents["just logged"]
    contact = logged.contacts.get()
    for url in (
        reverse("drafts", args=[logged.pk]),
        reverse("draft", args=[logged.pk, "phone_script"]),
        reverse("draft", args=[logged.pk, "apology_email"]),
        reverse("draft", args=[incidents["confirmed"].pk, "confirmation"]),
        reverse("incident_edit", args=[logged.pk]),
        reverse("contact_edit", args=[contact.pk]) + f"?incident={logged.pk}",
        reverse("reschedule_request", args=[logged.pk]),
        reverse("reschedule_confirm", args=[incidents["awaiting their reply"].pk]),
    ):
        check(page, axe_source, url, found)

    bad = report(found)
    assert not bad, "serious or critical accessibility violations:\n  " + "\n  ".join(bad)


def test_the_admin_pages_staff_use_have_no_serious_accessibility_violation(
    page, live_server, axe_source, browser_problems
):
    # Django's and django-axes' admin templates carry a few inline styles that the site's CSP
    # blocks (the person's pages have none); not what this test is about.
    browser_problems.expect(r"inline style|style-src-elem blocked inline")
    now = datetime.now(UTC)
    owner = UserFactory(profile_zone="America/Chicago")
    seed(owner, "confirmed", now)
    staff = UserFactory(is_staff=True, is_superuser=True)
    log_in(page, live_server, staff)
    found: dict[str, list] = {}
    check(page, axe_source, reverse("admin:index"), found)
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        check(page, axe_source, changelist, found)
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            check(
                page,
                axe_source,
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]),
                found,
            )
    bad = report(found)
    assert not bad, "serious or critical accessibility violations:\n  " + "\n  ".join(bad)

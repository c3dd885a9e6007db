"""Browser tier: Playwright for Python drives Debian's Chromium against pytest-django's live_server.

Every test under tests/e2e is marked `e2e`. The `page` fixture opens a fresh browser context on
the live server (relative URLs work: `page.goto("/accounts/login/")`) and fails the test if the
page logged a console error, threw an uncaught exception or violated the Content-Security-Policy.
When a test fails, a screenshot of the page, and of every `journey.step(...)` taken so far, is
saved under test-artifacts/.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is safe (it is: the loop is idle while Django runs).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR.parents[1] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Runs in every page before its own scripts; init scripts are not subject to the page's CSP.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} ` +
    `at ${e.sourceFile || e.documentURI}:${e.lineNumber} ${e.sample || ""}`.trim()
  );
});
"""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marker must be there before `-m "not e2e"` deselects.
    for item in items:
        if E2E_DIR in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # Checked after the test body, so browser problems fail the test itself, not its teardown.
    result = yield
    problems = item.funcargs.get("browser_problems")
    if problems:
        problems.raise_if_any()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class BrowserProblems:
    """Console errors, uncaught exceptions and CSP violations seen by one test's pages."""

    def __init__(self):
        self.seen: list[str] = []
        self.expected: list[re.Pattern] = []

    def expect(self, pattern: str):
        """Allow a console error the test provokes on purpose (a regular expression)."""
        self.expected.append(re.compile(pattern))

    def add(self, kind: str, text: str):
        self.seen.append(f"{kind}: {text}")

    def unexpected(self) -> list[str]:
        return [p for p in self.seen if not any(e.search(p) for e in self.expected)]

    def raise_if_any(self):
        unexpected = self.unexpected()
        if unexpected:
            pytest.fail(
                "The browser reported problems:\n  " + "\n  ".join(unexpected), pytrace=False
            )


class Journey:
    """Screenshots of each step, written to test-artifacts/ only if the test fails."""

    def __init__(self, page):
        self.page = page
        self.shots: list[tuple[str, bytes]] = []

    def step(self, name: str):
        self.shots.append((name, self.page.screenshot(full_page=True)))


# Module scope, not session: while Playwright's sync API runs, its event loop counts as running
# in this thread, which breaks asyncio.run and async_to_sync in any test that comes after.
@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. `make test` installs Debian's package; "
            "by hand: apt-get update; apt-get install -y chromium. CHROMIUM_PATH may name "
            "another Chromium binary.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_problems():
    return BrowserProblems()


@pytest.fixture
def browser_context_options():
    """Override in a test module (e.g. a 375 px viewport) to change the context."""
    return {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def page(browser, live_server, browser_problems, browser_context_options, request):
    context = browser.new_context(base_url=live_server.url, **browser_context_options)
    context.set_default_timeout(10_000)
    context.expose_function(
        "__reportCspViolation", lambda text: browser_problems.add("CSP violation", text)
    )
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: msg.type == "error" and browser_problems.add("console error", msg.text),
    )
    page.on("pageerror", lambda exc: browser_problems.add("uncaught exception", str(exc)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        save_artifacts(request.node, page, request.node.funcargs.get("journey"))
    context.close()


@pytest.fixture
def journey(page):
    return Journey(page)


def save_artifacts(node, page, journey):
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", node.nodeid).strip("_")
    for number, (name, shot) in enumerate(journey.shots if journey else [], start=1):
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
        (ARTIFACTS / f"{stem}--{number:02d}-{slug}.png").write_bytes(shot)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}--failed.png"), full_page=True)
        (ARTIFACTS / f"{stem}--failed.html").write_text(page.content())
    except Exception as exc:  # a crashed page must not hide the test's own failure
        print(f"could not save a screenshot of {node.nodeid}: {exc}")

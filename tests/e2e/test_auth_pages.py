"""The log-in and sign-up pages in a real browser (django-allauth's views, log in by email):
they load clean under the CSP, and the log-in form works with the keyboard alone."""

from django.urls import reverse

from tests.e2e.helpers import has_focus, tab_to
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def type_login_by_keyboard(page, email, password):
    """On the log-in page: Tab to the email field and type `email`, Tab on to the password field
    and type `password`, as a keyboard user would. The focus stays in the password field."""
    page.goto(reverse("login"))
    tab_to(page, page.locator("input[name=login]"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert has_focus(page.locator("input[name=password]"))
    page.keyboard.type(password)


def test_login_page_loads_without_console_errors_or_csp_violations(page):
    response = page.goto(reverse("login"))

    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert page.get_by_role("heading", name="Log in").is_visible()
    # Bootstrap's stylesheet was allowed to load: the button is styled, not a grey default.
    button = page.get_by_role("button", name="Log in")
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(13, 110, 253)"
    page.wait_for_load_state("networkidle")


def test_sign_up_page_loads_without_console_errors_or_csp_violations(page):
    response = page.goto(reverse("signup"))

    assert response.status == 200
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert page.get_by_role("heading", name="Create your account").is_visible()
    assert page.get_by_role("button", name="Sign up").is_visible()
    page.wait_for_load_state("networkidle")


def test_login_form_can_be_filled_and_submitted_by_keyboard_alone(page):
    user = UserFactory()
    type_login_by_keyboard(page, user.email, PASSWORD)
    page.keyboard.press("Tab")
    assert has_focus(page.get_by_role("button", name="Log in"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith(reverse("dashboard"))
    assert page.get_by_role("button", name="Log out").is_visible()
    page.wait_for_load_state("networkidle")


def test_a_wrong_password_by_keyboard_shows_the_form_again_with_a_message(page):
    user = UserFactory()
    type_login_by_keyboard(page, user.email, "not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith(reverse("login"))
    assert page.locator(".alert-danger, .invalid-feedback, .errorlist").first.is_visible()
    assert page.locator("input[name=login]").input_value() == user.email


# The watcher itself: an inline script or style attribute added to a page is blocked by the
# policy and reported, so the checks above can fail.


def test_an_injected_inline_script_is_blocked_and_reported(page, browser_problems):
    page.goto(reverse("login"))

    page.evaluate(
        """() => {
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.appendChild(s);
    }"""
    )
    page.wait_for_timeout(200)

    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in p for p in browser_problems.unexpected())
    browser_problems.expect(r"script-src|inline script")


def test_a_style_attribute_is_blocked_but_styles_set_from_javascript_are_not(
    page, browser_problems
):
    page.goto(reverse("login"))
    heading = page.get_by_role("heading", name="Log in")

    heading.evaluate("el => el.setAttribute('style', 'color: rgb(255, 0, 0)')")
    page.wait_for_timeout(200)
    assert heading.evaluate("el => getComputedStyle(el).color") != "rgb(255, 0, 0)"
    assert any("style-src" in p for p in browser_problems.unexpected())
    browser_problems.expect(r"style-src|inline style")

    # What Bootstrap's JS does (collapse, modals): CSSOM writes, which the policy allows.
    heading.evaluate("el => { el.style.color = 'rgb(0, 128, 0)'; }")
    assert heading.evaluate("el => getComputedStyle(el).color") == "rgb(0, 128, 0)"

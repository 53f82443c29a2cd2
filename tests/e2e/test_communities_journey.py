"""Two members in real browsers: one starts an anonymous thread behind a content warning,
the other sees only "Anonymous member" and the warning, opens it, sends support and replies.
Also a few automated accessibility checks of the communities pages (names for every
control, heading order, target sizes, reflow at 320 px) and no CSP violations."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: Simple, dependency-free checks in the spirit of axe: every control has an accessible
#: name, headings do not skip levels, and buttons/summaries are at least 24 x 24 px.
A11Y_AUDIT = """
() => {
  const problems = [];
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  };
  const named = (el) => {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) return true;
    if (el.labels && el.labels.length) return true;
    if (el.matches("button, summary, a")) return el.textContent.trim().length > 0;
    return false;
  };
  for (const el of document.querySelectorAll(
      "input:not([type=hidden]), select, textarea, button, summary, a[href]")) {
    if (!named(el)) problems.push("no name: " + el.outerHTML.slice(0, 120));
  }
  let last = 0;
  for (const h of document.querySelectorAll("main h1, main h2, main h3, main h4")) {
    const level = Number(h.tagName[1]);
    if (last && level > last + 1) {
      problems.push("heading skips: " + h.tagName + " " + h.textContent.trim());
    }
    last = level;
  }
  if (document.querySelectorAll("main h1").length !== 1) problems.push("not exactly one h1");
  for (const el of document.querySelectorAll("main button, main summary, main .action")) {
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 24 || box.height < 24) {
      const size = box.width + "x" + box.height;
      problems.push("small target: " + el.outerHTML.slice(0, 80) + " " + size);
    }
  }
  return problems;
}
"""


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name=re.compile(r"^Welcome back, ")).wait_for()


def audit(page: Any) -> None:
    problems = page.evaluate(A11Y_AUDIT)
    assert problems == [], (page.url, problems)
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], (page.url, violations)


def test_anonymous_warned_thread_then_a_second_member_opens_it_and_replies(
    live_server: Any, browser: Any, page: Any, make_user: Any, screenshot_dir: Any
) -> None:
    from alongside.communities.services import community_create
    from tests.e2e.conftest import CSP_RECORDER

    community_create(
        slug="anxiety",
        name="Anxiety",
        description="For worry that won't switch off.",
        rules="Be kind. No advice about methods.",
    )
    make_user("quiet_writer", display_name="Quiet Writer Name")
    make_user("steady_friend")
    base = live_server.url

    # The first member starts an anonymous thread with a content warning.
    sign_in(page, base, "quiet_writer")
    page.goto(f"{base}/c/")
    audit(page)
    page.get_by_role("link", name="Anxiety").click()
    page.get_by_role("heading", name="Anxiety", level=1).wait_for()
    page.get_by_text("Community rules").click()  # the rules open without JavaScript
    assert page.get_by_text("No advice about methods.").is_visible()
    audit(page)
    page.screenshot(path=str(screenshot_dir / "community-1280.png"), full_page=True)
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_role("heading", name="Start a thread").wait_for()
    audit(page)
    page.screenshot(path=str(screenshot_dir / "thread-create-1280.png"), full_page=True)
    page.get_by_label("Title").fill("The nights are the hardest")
    page.get_by_label("What would you like to share?").fill(
        "I lie awake and the thoughts get loud. #sleep"
    )
    page.get_by_label("Post anonymously").check()
    page.get_by_label("Self-harm").check()
    page.get_by_label("Or describe it in a few words").fill("dark thoughts")
    page.get_by_role("button", name="Post thread").click()
    page.get_by_role("heading", name="The nights are the hardest", level=1).wait_for()
    assert page.get_by_text("Your thread is posted.").is_visible()
    assert page.get_by_text("(you, posted anonymously)").first.is_visible()
    thread_url = page.url
    assert re.search(r"/t/\d+/$", thread_url)
    audit(page)

    # A second member, in their own browser session.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script(CSP_RECORDER)
    other = context.new_page()
    other.set_default_timeout(15_000)
    try:
        sign_in(other, base, "steady_friend")
        other.goto(thread_url)
        byline = other.locator(".post--opening .post__byline")
        assert byline.inner_text().strip().endswith("Anonymous member")
        html = other.content()
        assert "quiet_writer" not in html and "Quiet Writer Name" not in html
        warning = other.locator(".post--opening details.cw")
        assert warning.evaluate("el => el.open") is False
        body = other.get_by_text("I lie awake and the thoughts get loud.")
        assert not body.is_visible()
        summary = warning.locator("summary")
        assert "Self-harm" in summary.inner_text() and "dark thoughts" in summary.inner_text()
        audit(other)
        other.screenshot(path=str(screenshot_dir / "thread-collapsed-1280.png"), full_page=True)

        summary.click()
        body.wait_for(state="visible")
        assert warning.evaluate("el => el.open") is True

        # Support, enhanced by htmx: the button updates in place and keeps focus.
        hug = other.locator(".post--opening button.reaction", has_text="Sending a hug")
        assert hug.get_attribute("aria-pressed") == "false"
        hug.click()
        other.wait_for_function(
            "() => document.querySelector('.post--opening button.reaction')"
            ".getAttribute('aria-pressed') === 'true'"
        )
        assert other.url == thread_url  # no page load
        assert other.evaluate("document.activeElement.id").endswith("-hug")

        other.get_by_label("Your reply").fill("You're not alone. Nights are hard for me too.")
        other.get_by_role("button", name="Post reply").click()
        other.get_by_text("Your reply is posted.").wait_for()
        assert other.get_by_text("You're not alone. Nights are hard for me too.").is_visible()
        assert other.evaluate("window.__cspViolations") == []
        audit(other)
    finally:
        context.close()

    # The author sees the reply and the support on their thread.
    page.goto(thread_url)
    assert page.get_by_text("You're not alone. Nights are hard for me too.").is_visible()
    assert (
        page.locator(".post--opening .reaction", has_text="Sending a hug")
        .inner_text()
        .strip()
        .endswith("1")
    )
    assert page.console_errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/c/", "/c/anxiety/", "thread", "/feed/", "/search/?q=words"])
def test_communities_pages_fit_a_small_screen(
    live_server: Any, browser: Any, make_user: Any, screenshot_dir: Any, path: str
) -> None:
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities import access, services

    services.community_create(slug="anxiety", name="Anxiety", description="For worry.")
    user = make_user("small_screen")
    actor = actor_for_user(user)
    written = services.thread_create(
        actor=actor,
        place=access.get_community_for(actor, "anxiety"),
        title="A title long enough to need wrapping on a very narrow phone screen",
        body="Some words " * 40,
        content_warning={"topics": ["grief", "trauma"], "text": "a few words"},
    )
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "small_screen")
        target = f"/t/{written.thread.pk}/" if path == "thread" else path
        page.goto(f"{live_server.url}{target}")
        name = "thread" if path == "thread" else path.strip("/").split("?")[0].replace("/", "-")
        page.screenshot(path=str(screenshot_dir / f"communities-{name}-320.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (target, width)
        assert page.get_by_role("link", name="Get help now").is_visible()
    finally:
        context.close()

"""Every page a person can open, in a real browser, with the demo's data, as each kind of
person: it answers 200 and passes the same automated accessibility checks as the journeys
(a name for every control, one h1, no skipped heading level, targets of 24 px), plus the
page-wide ones (a language, a title, one main landmark, unique ids, ARIA references that
resolve, images with a text alternative), fits 320 px without sideways scrolling, with no
CSP violation and no script error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import sign_in_as
from tests.e2e.test_communities_journey import A11Y_AUDIT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGE_AUDIT = """
() => {
  const problems = [];
  if (!document.documentElement.getAttribute("lang")) problems.push("no lang on <html>");
  if (!document.title.trim()) problems.push("empty <title>");
  if (document.querySelectorAll("main").length !== 1) problems.push("not exactly one <main>");
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  for (const [id, count] of seen) if (count > 1) problems.push("duplicate id: " + id);
  for (const attr of ["aria-labelledby", "aria-describedby", "aria-controls", "for"]) {
    for (const el of document.querySelectorAll("[" + attr + "]")) {
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) problems.push(attr + " names a missing id: " + id);
      }
    }
  }
  for (const img of document.querySelectorAll("img:not([alt])")) {
    problems.push("image without alt: " + img.outerHTML.slice(0, 80));
  }
  return problems;
}
"""

#: The deepest elements that reach past the right edge of the viewport (to say what to mend).
WIDEST = """
() => [...document.querySelectorAll("main *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter((el) => ![...el.children].some(
    (c) => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 3)
  .map((el) => el.outerHTML.slice(0, 100) + " right=" + el.getBoundingClientRect().right)
  .join(" | ")
"""

VISITOR_PAGES = (
    "/",
    "/help",
    "/help/grounding/",
    "/c/",
    "/c/{community}/",
    "/t/{thread}/",
    "/tags/",
    "/tags/{tag}/",
    "/transparency/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
)
MEMBER_PAGES = (
    "/",
    "/feed/",
    "/c/",
    "/c/{community}/",
    "/c/{community}/new/",
    "/t/{thread}/",
    "/p/{own_post}/edit/",
    "/search/?q=sleep",
    "/bookmarks/",
    "/notifications/",
    "/settings/",
    "/settings/future-self/",
    "/safety-plan",
    "/safety-plan/edit",
    "/safety/talk/",
    "/safety/concern/",
    "/privacy/",
    "/moderation/",
    "/accounts/sessions/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
)
MODERATOR_PAGES = (
    "/mod/queue/",
    "/mod/items/{item}/",
    "/mod/appeals/",
    "/mod/watched-words/",
    "/c/{community}/modlog/",
    "/mod/users/{member}/notes/",
    "/t/{thread}/",
    "/p/{post}/history/",
    "/p/{post}/warning/",
    "/approvals/",
)
RESPONDER_PAGES = (
    "/safety/cases/",
    "/safety/cases/{case}/",
)
ADMIN_PAGES = ("/safety/settings/",)


@pytest.fixture
def demo_site(settings: Any) -> dict[str, Any]:
    """The demo's people and communities, a held post in the moderation queue and a crisis
    case, as a newcomer finds them after `alongside demo`."""
    from alongside.accounts.demo import seed_demo
    from alongside.accounts.models import User
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities.access import place_for
    from alongside.communities.demo import seed_communities
    from alongside.communities.models import Community, Post, Status, Tag, Thread
    from alongside.communities.services import bookmark_set, thread_create
    from alongside.moderation.models import Item
    from alongside.safety.models import Case
    from tests.safety.crisis import IMMINENT, api, member

    settings.STAFF_MFA_REQUIRED = False  # as `alongside demo` runs (decision 0006)
    seed_demo()
    seed_communities()
    river = User.objects.get(username="river_stone")
    thread = Thread.objects.filter(status=Status.VISIBLE, community__slug="anxiety").first()
    assert thread is not None
    community = Community.objects.get(slug="anxiety")
    assert Post.objects.filter(author=river, status=Status.VISIBLE).exists()
    bookmark_set(actor=actor_for_user(river), thread=thread, on=True)  # a list to audit

    newcomer = User.objects.create_user(username="new_here", password="x" * 12)
    actor = actor_for_user(newcomer)
    held = thread_create(
        actor=actor,
        place=place_for(actor, community),
        title="Anyone up?",
        body="Rough evening. Add me on Telegram and we can talk there.",
    )
    assert held.thread.status == Status.HELD
    item = Item.objects.order_by("-pk").first()
    assert item is not None

    worried = member()
    api(worried["token"], "post", f"/api/v1/communities/{community.slug}/join")
    api(
        worried["token"],
        "post",
        f"/api/v1/communities/{community.slug}/threads",
        {"title": "Tonight", "body": IMMINENT},
    )
    case = Case.objects.order_by("-pk").first()
    assert case is not None

    tag = Tag.objects.filter(blocked=False, post_tags__isnull=False).first()
    assert tag is not None
    return {
        "community": community.slug,
        "thread": thread.pk,
        "tag": tag.name,
        "post": thread.posts.order_by("pk").first().pk,
        "item": item.pk,
        "case": case.pk,
        "member": "new_here",
    }


def _sign_in(page: Any, base: str, username: str | None) -> None:
    from alongside.accounts.models import User

    page.context.clear_cookies()
    if username is not None:
        sign_in_as(page, base, User.objects.get(username=username))


def _sweep(
    page: Any, shots: Path, base: str, username: str | None, paths: tuple[str, ...], ids: dict
) -> list:
    from alongside.communities.models import Post, Status

    _sign_in(page, base, username)
    own = Post.objects.filter(author__username=username, status=Status.VISIBLE).first()
    ids = {**ids, "own_post": own.pk if own else None}
    problems: list[str] = []
    for template in paths:
        if "{own_post}" in template and own is None:
            continue  # nothing of theirs to edit
        path = template.format(**ids)
        page.console_errors.clear()
        where = f"{username or 'visitor'} {path}"
        try:
            response = page.goto(base + path)
        except Exception as error:  # Chromium refuses to show some empty error answers
            problems.append(f"{where}: {str(error).splitlines()[0]}")
            page.goto("about:blank")  # out of Chromium's error page before the next one
            continue
        page.wait_for_load_state("load")
        if response is None or response.status != 200:
            problems.append(f"{where}: answered {response.status if response else 'nothing'}")
            continue
        landed = page.url[len(base) :]
        if landed.split("?")[0] != path.split("?")[0]:
            problems.append(f"{where}: sent on to {landed}")
            continue
        found = page.evaluate(A11Y_AUDIT) + page.evaluate(PAGE_AUDIT)
        found += [f"CSP: {v}" for v in page.evaluate("window.__cspViolations")]
        found += [f"console: {e}" for e in page.console_errors]
        # Reflow (WCAG 1.4.10): at 320 px nothing forces sideways scrolling.
        page.set_viewport_size({"width": 320, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        name = re.sub(r"[^a-z0-9]+", "-", f"{username or 'visitor'}{path}".lower()).strip("-")
        page.screenshot(path=str(shots / f"sweep-{name}-320.png"), full_page=True)
        if wide > 320:
            widest = page.evaluate(WIDEST)
            found.append(f"scrolls sideways at 320 px: {wide} px wide ({widest})")
        page.set_viewport_size({"width": 1280, "height": 900})
        problems += [f"{where}: {p}" for p in found]
    return problems


def test_every_page_passes_the_automated_checks_for_every_kind_of_person(
    live_server: Any, page: Any, demo_site: dict[str, Any], screenshot_dir: Path
) -> None:
    base = live_server.url
    people: list[tuple[str | None, tuple[str, ...]]] = [
        (None, VISITOR_PAGES),
        ("river_stone", MEMBER_PAGES),
        # A teenager reading in Chinese: the same pages, translated, with teen protections.
        ("xiao_yu", MEMBER_PAGES),
        ("tide_watcher", MODERATOR_PAGES),
        ("north_star", RESPONDER_PAGES),
        ("harbor_admin", ADMIN_PAGES + RESPONDER_PAGES),
    ]
    problems: list[str] = []
    for username, paths in people:
        problems += _sweep(page, screenshot_dir, base, username, paths, demo_site)
    assert problems == [], "\n".join(problems)

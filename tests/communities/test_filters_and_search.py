"""Content warnings, personal filters, blocks, search, feed and bounded queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alongside.communities.models import Status, Thread

pytestmark = pytest.mark.django_db

CW = {"topics": ["grief"], "text": "loss of a parent"}
SECRET = "lighthouse"  # a word only the warned posts contain (searched for)
SECRET_TOO = "favourite"  # another one (never typed into a search box)


def test_warned_post_is_collapsed_and_hidden_topics_vanish_everywhere(
    make_community: Any, api: Any
) -> None:
    make_community("grief")
    author, reader, filterer = api(), api(), api()
    for member in (reader, filterer):
        member.post("/api/v1/communities/grief/membership")
    thread = author.thread(
        "grief",
        title="Missing my dad",
        body=f"The {SECRET} was his favourite place.",
        content_warning=CW,
    )
    assert thread["collapsed"] is True and thread["excerpt"] is None
    post = reader.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"][0]
    assert post["collapsed"] is True and post["collapse_reason"] == "content_warning"
    assert [t["slug"] for t in post["content_warning"]["topics"]] == ["grief"]
    # A reply that mentions the filterer carries the warning: its notification has no excerpt.
    author.reply(
        thread["id"],
        body=f"@{filterer.member['username']} the {SECRET} {SECRET_TOO}",
        content_warning=CW,
    )

    assert filterer.patch("/api/v1/me", {"topic_filters": {"grief": "hide"}}).status_code == 200
    detail = filterer.get(f"/api/v1/threads/{thread['id']}").json()
    assert detail["hidden_by_filters"] is True and detail["posts"]["items"] == []
    views = [
        filterer.get(f"/api/v1/threads/{thread['id']}").content.decode(),
        filterer.get("/api/v1/communities/grief/threads").content.decode(),
        filterer.get("/api/v1/feed").content.decode(),
        filterer.get(f"/api/v1/search?q={SECRET}").content.decode(),
        filterer.get("/api/v1/notifications").content.decode(),
        filterer.client.get(f"/t/{thread['id']}/", **filterer.headers).content.decode(),
        filterer.client.get("/feed/", **filterer.headers).content.decode(),
        filterer.client.get(f"/search/?q={SECRET}", **filterer.headers).content.decode(),
    ]
    for text in views:
        assert SECRET_TOO not in text
    assert filterer.get(f"/api/v1/search?q={SECRET}").json()["items"] == []
    assert reader.get(f"/api/v1/search?q={SECRET}").json()["items"]


def test_show_choice_expands_for_adults_but_never_for_teens(make_community: Any, api: Any) -> None:
    make_community("students", teen_friendly=True)
    author, adult, teen = api(), api(), api(birth_year=2011)
    thread = author.thread("students", body="hard news", content_warning={"topics": ["grief"]})
    for member in (adult, teen):
        member.patch("/api/v1/me", {"topic_filters": {"grief": "show"}})
    adult_post = adult.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"][0]
    teen_post = teen.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"][0]
    assert adult_post["collapsed"] is False
    assert teen_post["collapsed"] is True


def test_muted_words_collapse_posts(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    author, reader = api(), api()
    thread = author.thread(body="Thinking about my exams again")
    reader.patch("/api/v1/me", {"muted_words": ["EXAMS"]})
    post = reader.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"][0]
    assert post["collapsed"] is True and post["collapse_reason"] == "muted_word"


def test_blocked_members_named_content_is_hidden_and_they_cannot_reply(
    make_community: Any, api: Any
) -> None:
    make_community("anxiety")
    me, pest = api(), api()
    mine = me.thread(title="My named thread", body="a named thread")
    theirs = pest.thread(title="Their thread", body="zebra named words")
    anon = pest.thread(title="Their anonymous thread", body="zebra anonymous words", anonymous=True)
    assert me.post("/api/v1/me/blocks", {"username": pest.member["username"]}).status_code == 200
    listed = [t["id"] for t in me.get("/api/v1/communities/anxiety/threads").json()["items"]]
    assert theirs["id"] not in listed
    # Anonymous content is never filtered by blocks (it would reveal its author).
    assert anon["id"] in listed
    found = [h["thread_id"] for h in me.get("/api/v1/search?q=zebra").json()["items"]]
    assert found == [anon["id"]]
    refused = pest.post(f"/api/v1/threads/{mine['id']}/posts", {"body": "hello?"})
    assert refused.status_code == 403 and refused.json()["code"] == "blocked"
    # Mentions from the blocked person do not notify.
    pest.reply(anon["id"], body=f"hey @{me.member['username']}")
    assert me.get("/api/v1/notifications").json()["items"] == []


def test_search_finds_body_words_and_never_hidden_content(
    make_community: Any, api: Any, settings: Any
) -> None:
    from alongside.accounts.services import role_grant
    from alongside.communities.models import Community

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    make_community("lounge", visibility=Community.Visibility.PRIVATE)
    alice, bob, mod = api(), api(), api()
    role_grant(user_id=mod.member["user_id"], role="moderator", community="anxiety")
    role_grant(user_id=mod.member["user_id"], role="moderator", community="lounge")
    visible = alice.thread(title="Gardening", body="Tomatoes calm me down after work")
    removed = alice.thread(title="Other", body="tomatoes removed by a moderator")
    mod.delete(f"/api/v1/posts/{removed['post']['id']}?reason=Breaks the rules here")
    mod.thread("lounge", title="Private", body="tomatoes in a private room")
    deleted = alice.thread(title="Gone", body="tomatoes deleted by author")
    alice.delete(f"/api/v1/posts/{deleted['post']['id']}")

    hits = bob.get("/api/v1/search?q=tomatoes").json()["items"]
    assert [h["id"] for h in hits] == [visible["post"]["id"]]
    assert hits[0]["thread"]["title"] == "Gardening"
    # stemming on the English index: "tomato" finds "tomatoes"
    assert [h["id"] for h in bob.get("/api/v1/search?q=tomato").json()["items"]] == [
        visible["post"]["id"]
    ]
    # thread titles are searched too
    assert [h["thread_id"] for h in bob.get("/api/v1/search?q=gardening").json()["items"]] == [
        visible["id"]
    ]
    # operators in the query are words, not syntax
    for q in ('"', "tomatoes OR", "NEAR(", "*", "-tomatoes", "tomatoes AND NOT calm", "'; --"):
        assert bob.get("/api/v1/search", q=q).status_code == 200
    # Chinese: substring match
    alice.thread(title="考试的压力", body="考试压力好大")
    assert len(bob.get("/api/v1/search", q="压力").json()["items"]) == 1


def _seed_thread_with_posts(api: Any, count: int) -> tuple[Any, dict[str, Any]]:
    from alongside.accounts.models import User
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities.access import get_thread_for
    from alongside.communities.services import post_create

    author = api().trusted()
    thread = author.thread(body="Opening #tag")
    user = User.objects.get(pk=author.member["user_id"])
    actor = actor_for_user(user)
    t, place = get_thread_for(actor, thread["id"])
    for i in range(count):
        post_create(
            actor=actor,
            thread=t,
            place=place,
            body=f"reply {i} #tag",
            anonymous=i % 2 == 0,
            reply_to=thread["post"]["id"],
            content_warning={"topics": ["grief"]} if i % 3 == 0 else None,
        )
    return author, thread


def _queries(callable_: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = callable_()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_thread_page_and_feed_issue_a_bounded_number_of_queries(
    make_community: Any, api: Any
) -> None:
    make_community("anxiety")
    reader = api()
    reader.post("/api/v1/communities/anxiety/membership")
    reader.post("/api/v1/me/blocks", {"username": api().member["username"]})
    reader.patch("/api/v1/me", {"muted_words": ["nothing"]})
    _author, small = _seed_thread_with_posts(api, 3)
    author, big = _seed_thread_with_posts(api, 40)
    for i in range(25):
        author.thread(title=f"Thread number {i}", body="words #tag", anonymous=i % 2 == 0)

    def counts(thread_id: int) -> list[int]:
        return [
            _queries(lambda: reader.get(f"/api/v1/threads/{thread_id}")),
            _queries(lambda: reader.client.get(f"/t/{thread_id}/", **reader.headers)),
        ]

    counts(small["id"])  # first visits record session and reading activity once
    counts(big["id"])
    assert counts(small["id"]) == counts(big["id"])
    feed_queries = _queries(lambda: reader.get("/api/v1/feed"))
    author.thread(title="One more thread", body="more")
    assert _queries(lambda: reader.get("/api/v1/feed")) == feed_queries
    assert _queries(lambda: reader.client.get("/feed/", **reader.headers)) <= feed_queries + 10


def test_search_issues_a_bounded_number_of_queries(make_community: Any, api: Any) -> None:
    """Replies (with their reply-to author) and threads come with the page, not per row."""
    make_community("anxiety")
    reader = api()
    author, thread = _seed_thread_with_posts(api, 2)
    # A thread whose title matches too: the title half of the search then runs every time.
    author.thread(title="A reply in the title", body="words")
    reader.get("/api/v1/search?q=reply")  # the first request records the session once
    one = _queries(lambda: reader.get("/api/v1/search?q=reply"))
    for i in range(15):
        author.reply(
            thread["id"],
            body=f"reply again {i}",
            anonymous=i % 2 == 0,
            reply_to=thread["post"]["id"],
        )
        author.thread(title=f"Reply thread {i}", body="a reply in a new thread")
    many = reader.get("/api/v1/search?q=reply").json()["items"]
    assert len(many) == 20  # a full page
    assert _queries(lambda: reader.get("/api/v1/search?q=reply")) == one
    assert _queries(lambda: reader.client.get("/search/?q=reply", **reader.headers)) <= one + 10


def test_pages_walk_by_cursor_without_gaps_or_repeats(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    reader = api()
    reader.post("/api/v1/communities/anxiety/membership")
    author, thread = _seed_thread_with_posts(api, 65)
    seen: list[int] = []
    cursor = None
    while True:
        page = reader.get(
            f"/api/v1/threads/{thread['id']}/posts", **({"cursor": cursor} if cursor else {})
        ).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert len(seen) == 66 and seen == sorted(seen) and len(set(seen)) == 66
    for i in range(45):
        author.thread(title=f"Thread {i:02d}", body="words")
    for path in ("/api/v1/communities/anxiety/threads", "/api/v1/feed"):
        ids: list[int] = []
        cursor = None
        while True:
            page = reader.get(path, **({"cursor": cursor} if cursor else {})).json()
            ids += [t["id"] for t in page["items"]]
            cursor = page["next"]
            if not cursor:
                break
        assert len(ids) == len(set(ids)) == Thread.objects.filter(status=Status.VISIBLE).count()


def test_needs_support_surfaces_unanswered_threads_oldest_first(
    make_community: Any, api: Any
) -> None:
    make_community("anxiety")
    reader = api()
    reader.post("/api/v1/communities/anxiety/membership")
    first = api().thread(title="First one waiting")
    second = api().thread(title="Second one waiting")
    answered = api().thread(title="Answered already")
    reader.reply(answered["id"])
    ids = [t["id"] for t in reader.get("/api/v1/feed?sort=needs_support").json()["items"]]
    assert ids == [first["id"], second["id"]]
    assert reader.get("/api/v1/feed?sort=bogus").status_code == 422


def _assert_inert(html: str, *, whole_page: bool = False) -> None:
    """Parse the HTML: no dangerous tags (in a post), no event handlers, no unsafe URLs."""
    from html.parser import HTMLParser

    class Check(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if not whole_page:
                assert tag not in {"script", "img", "svg", "iframe", "style", "object"}, tag
            for name, value in attrs:
                assert not name.startswith("on"), (tag, name)
                if name in ("href", "src"):
                    scheme = (value or "").strip().lower().split(":", 1)[0]
                    assert scheme in ("http", "https", "mailto") or ":" not in (value or ""), value

    Check().feed(html)


def test_hostile_markdown_is_stored_inert(make_community: Any, api: Any) -> None:
    make_community("anxiety")
    alice = api()
    hostile = [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "[x](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)" onclick="x()">a</a>',
        "![i](javascript:alert(1))",
        "<svg onload=alert(1)>",
        "[d](data:text/html;base64,PHNjcmlwdD4=)",
    ]
    thread = alice.thread(body="\n\n".join(hostile))
    _assert_inert(thread["post"]["body_html"])
    page = alice.client.get(f"/t/{thread['id']}/").content.decode()
    assert "<script>alert" not in page.lower()
    _assert_inert(page, whole_page=True)
    link = alice.thread(title="links", body="[ok](https://example.org)")
    assert 'rel="nofollow ugc noopener noreferrer"' in link["post"]["body_html"] or (
        "nofollow" in link["post"]["body_html"] and "ugc" in link["post"]["body_html"]
    )

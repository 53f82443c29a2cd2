"""The communities pages, through the Django test client: they behave like the API, work
without JavaScript (plain forms, 303 after every POST), and keep the same promises —
anonymous authors stay anonymous, warned posts start collapsed, hidden topics stay hidden."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alongside.communities.models import Post, Reaction, Thread
from alongside.core.models import AuditEntry
from tests.conftest import PASSWORD, grant_trust

pytestmark = pytest.mark.django_db


class Person:
    """A member with a browser session (cookie and CSRF, like a real browser)."""

    def __init__(self, member: dict[str, Any]) -> None:
        self.member = member
        self.user_id: int = member["user_id"]
        self.username: str = member["username"]
        self.client = Client()
        assert self.client.login(username=self.username, password=PASSWORD)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params)

    def trusted(self, level: int = 2) -> Person:
        """An earned trust level (tests/conftest.py ``grant_trust``)."""
        grant_trust(self.user_id, level)
        return self

    def html(self, path: str, **params: Any) -> str:
        response = self.get(path, **params)
        assert response.status_code == 200, (path, response.status_code)
        return response.content.decode()

    def post(self, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self.client.post(path, data or {}, **extra)

    @property
    def actor(self) -> Any:
        from alongside.accounts.models import User
        from alongside.accounts.selectors import actor_for_user

        return actor_for_user(User.objects.get(pk=self.user_id))


def start_thread(
    who: Person, slug: str = "anxiety", *, title: str = "A hard week", body: str = "", **kw: Any
) -> Any:
    """A thread written straight through the service (test data, not the subject)."""
    from alongside.communities import access, services

    actor = who.actor
    place = access.get_community_for(actor, slug)
    return services.thread_create(
        actor=actor,
        place=place,
        title=title,
        body=body or "Some days are heavier than others.",
        **kw,
    )


def reply_to(who: Person, thread: Thread, body: str = "You are not alone.", **kw: Any) -> Any:
    from alongside.communities import access, services

    actor = who.actor
    thread, place = access.get_thread_for(actor, thread.pk)
    return services.post_create(actor=actor, thread=thread, place=place, body=body, **kw)


def _without_form_values(html: str) -> str:
    """The page minus CSRF tokens (random strings could contain anything)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


# --- rendering and access ----------------------------------------------------------------------


def test_every_page_renders_for_a_member(make_community: Any, person: Any) -> None:
    make_community("anxiety", description="For worry that won't stop.", rules="Be kind.")
    writer = person("page_writer")
    written = start_thread(writer, body="Sleep is hard lately. #sleep")
    reply = reply_to(writer, written.thread)
    thread_id, post_id = written.thread.pk, written.post.pk
    pages = [
        "/c/",
        "/c/anxiety/",
        "/c/anxiety/?sort=new",
        "/c/anxiety/?sort=waiting",
        "/c/anxiety/?sort=supported",
        "/c/anxiety/new/",
        f"/t/{thread_id}/",
        f"/t/{thread_id}/?reply_to={reply.post.pk}",
        f"/t/{thread_id}/lock/",
        f"/p/{post_id}/edit/",
        f"/p/{post_id}/delete/",
        "/feed/",
        "/feed/?sort=needs_support",
        "/feed/?sort=supported",
        "/search/",
        "/search/?q=sleep",
        "/tags/",
        "/tags/sleep/",
        "/bookmarks/",
    ]
    for path in pages:
        response = writer.get(path)
        expected = 403 if path.endswith("/lock/") else 200  # lock: moderators only
        assert response.status_code == expected, path
        if expected == 200:
            assert "HX-Request" in response["Vary"], path
            html = response.content.decode()
            assert "<h1" in html and 'id="main"' in html, path
            assert "communities/communities.css" in html, path


def test_signed_out_visitors_read_public_pages_and_are_sent_to_log_in_to_write(
    make_community: Any, person: Any, client: Client
) -> None:
    make_community("anxiety")
    written = start_thread(person("public_writer"), title="Public words")
    thread_id = written.thread.pk
    assert client.get("/c/").status_code == 200
    assert "Public words" in client.get("/c/anxiety/").content.decode()
    page = client.get(f"/t/{thread_id}/").content.decode()
    assert "Public words" in page
    assert "Log in</a> or" in page  # instead of the reply form
    assert f'"/t/{thread_id}/reply/' not in page
    assert client.get("/tags/").status_code == 200
    post_id = written.post.pk
    for path in (
        "/feed/",
        "/search/",
        "/bookmarks/",
        "/c/anxiety/new/",
        f"/t/{thread_id}/lock/",
        f"/p/{post_id}/edit/",
        f"/p/{post_id}/delete/",
        f"/p/{post_id}/warning/",
        f"/p/{post_id}/history/",
        f"/p/{post_id}/reveal/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path
    for path in (
        "/c/anxiety/join/",
        f"/t/{thread_id}/reply/",
        f"/t/{thread_id}/bookmark/",
        f"/p/{written.post.pk}/react/",
    ):
        response = client.post(path, {"body": "hello", "kind": "hug"})
        assert response.status_code == 302, path
        assert "/accounts/login/?next=" in response["Location"], path
    assert Post.objects.count() == 1
    assert Reaction.objects.count() == 0


def test_missing_and_private_things_answer_the_same_404(make_community: Any, person: Any) -> None:
    make_community("hushcircle", name="Hush circle", visibility="private")
    outsider = person("outsider")
    paths = ("/c/hushcircle/", "/c/hushcircle/new/", "/c/nowhere/", "/t/999999/", "/p/9999/edit/")
    for path in paths:
        assert outsider.get(path).status_code == 404, path
    assert outsider.post("/c/hushcircle/join/").status_code == 404
    assert "hush" not in outsider.html("/c/").lower()


def test_members_only_community_shows_its_description_and_join_but_no_threads(
    make_community: Any, person: Any
) -> None:
    make_community("circle", visibility="members", description="A closer circle.")
    insider, newcomer = person("insider"), person("newcomer")
    insider.post("/c/circle/join/")
    start_thread(insider, "circle", title="Members only words")
    page = newcomer.html("/c/circle/")
    assert "A closer circle." in page
    assert "Members only words" not in page
    assert 'action="/c/circle/join/"' in page
    joined = newcomer.post("/c/circle/join/")
    assert joined.status_code == 303
    assert joined["Location"] == "/c/circle/"
    page = newcomer.html("/c/circle/")
    assert "Members only words" in page
    assert 'action="/c/circle/leave/"' in page
    # Joining from the list goes back to the list.
    assert newcomer.post("/c/circle/leave/").status_code == 303
    back = newcomer.post("/c/circle/join/", {"next": "/c/"})
    assert back["Location"] == "/c/"
    # A next= pointing elsewhere is ignored.
    newcomer.post("/c/circle/leave/")
    assert (
        newcomer.post("/c/circle/join/", {"next": "https://evil.example/"})["Location"]
        == "/c/circle/"
    )


def test_sort_tabs_mark_the_current_one_and_page_by_cursor(
    make_community: Any, person: Any, settings: Any
) -> None:
    from alongside.communities import selectors

    make_community("anxiety")
    writer = person("prolific").trusted()
    for n in range(selectors.PAGE_SIZE + 3):
        start_thread(writer, title=f"Thread number {n:02d}")
    page = writer.html("/c/anxiety/?sort=new")
    assert re.search(r'href="\?sort=new" aria-current="page"', page)
    assert 'href="?sort=activity" aria-current' not in page
    assert "Thread number 22" in page and "Thread number 02" not in page
    cursor = re.search(r'href="\?sort=new&amp;cursor=([^"]+)"', page)
    assert cursor, "an Older threads link"
    older = writer.get("/c/anxiety/", sort="new", cursor=cursor.group(1))
    assert older.status_code == 200
    html = older.content.decode()
    assert "Thread number 02" in html and "Thread number 22" not in html
    # With htmx, the next page arrives as a fragment that appends to the list.
    fragment = writer.client.get(
        "/c/anxiety/", {"sort": "new", "cursor": cursor.group(1)}, HTTP_HX_REQUEST="true"
    )
    body = fragment.content.decode()
    assert 'hx-swap-oob="beforeend:#thread-list"' in body
    assert "<h1" not in body
    assert "HX-Request" in fragment["Vary"]
    # A tampered cursor is a clear 4xx, never a 500.
    assert writer.get("/c/anxiety/", cursor="not-a-cursor!").status_code == 422


# --- starting a thread -----------------------------------------------------------------------


def test_starting_a_thread_through_the_form_shows_it(make_community: Any, person: Any) -> None:
    make_community("anxiety")
    writer = person("form_writer")
    form = writer.html("/c/anxiety/new/")
    assert 'action="/c/anxiety/new/"' in form and 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    for field in ("title", "body", "anonymous", "cw_text", "tags"):
        assert f'<label for="id_{field}">' in form, field
    assert "Post anonymously" in form
    assert "safety staff and moderators can find out who wrote it" in form.lower()
    assert "<fieldset" in form and "<legend>Content warning (optional)</legend>" in form
    assert "Self-harm" in form and "Markdown" in form

    response = writer.post(
        "/c/anxiety/new/",
        {
            "title": "First time posting",
            "body": "I have been **so** tired.",
            "tags": "sleep, tired",
            "cw_text": "",
        },
    )
    assert response.status_code == 303
    thread = Thread.objects.get()
    assert response["Location"] == f"/t/{thread.pk}/"
    page = writer.html(response["Location"])
    assert "First time posting" in page
    assert "<strong>so</strong>" in page
    assert "Your thread is posted." in page
    assert "#sleep" in page and "#tired" in page
    assert "(you)" in page


def test_an_invalid_thread_form_keeps_the_input_shows_the_error_and_writes_nothing(
    make_community: Any, person: Any
) -> None:
    make_community("anxiety")
    writer = person("hasty_writer")
    response = writer.post("/c/anxiety/new/", {"title": "Kept title", "body": "   "})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_body_error"' in html
    assert "This cannot be empty." in html
    assert re.search(
        r'<textarea[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*id_body_error', html
    )
    assert 'value="Kept title"' in html
    assert Thread.objects.count() == 0 and Post.objects.count() == 0

    unknown_topic = writer.post(
        "/c/anxiety/new/", {"title": "Kept title", "body": "words", "cw_topics": ["nonsense"]}
    )
    assert unknown_topic.status_code == 422
    assert 'id="id_cw_topics_error"' in unknown_topic.content.decode()
    bad_tag = writer.post(
        "/c/anxiety/new/", {"title": "Kept title", "body": "words", "tags": "a-b"}
    )
    assert bad_tag.status_code == 422
    assert 'id="id_tags_error"' in bad_tag.content.decode()
    assert Thread.objects.count() == 0


def test_support_panel_shows_once_after_writing_words_of_distress(
    make_community: Any, person: Any, monkeypatch: Any
) -> None:
    from alongside.communities import services
    from alongside.safety.services import Assessment

    def distressed(**_kwargs: Any) -> Assessment:
        return Assessment(level="moderate", support={"level": "moderate"})

    monkeypatch.setattr(services, "assess_and_record", distressed)
    make_community("anxiety")
    writer = person("heavy_heart")
    response = writer.post("/c/anxiety/new/", {"title": "Tonight", "body": "I can't do this."})
    assert response.status_code == 303
    page = writer.html(response["Location"])
    assert 'id="support"' in page
    assert 'href="/help"' in page and 'href="/safety-plan"' in page
    assert 'href="/help#talk"' in page and "five things you can see" in page
    again = writer.html(response["Location"])
    assert 'id="support"' not in again


def test_each_post_offers_report_and_worried_links_to_members_but_not_on_their_own(
    make_community: Any, person: Any
) -> None:
    """The post fragments are memoised per process (core/fragments.py): what they show must
    come from their own context, not from the request's (a regression: "Report" vanished)."""
    make_community("anxiety")
    writer, reader = person("report_writer"), person("report_reader")
    thread = start_thread(writer).thread
    mine = reply_to(reader, thread, "Sending you strength.").post
    page = reader.html(f"/t/{thread.pk}/")
    opening = thread.posts.get(is_opening=True)
    report = f"/report/?target_type=post&amp;target_id={opening.pk}"
    worried = f"/safety/concern/?target_type=post&amp;target_id={opening.pk}"
    assert page.count(report) == 1 and "Report this post by report_writer" in page
    assert f"target_id={mine.pk}" not in page  # nothing to report or worry about in my own
    visitor = Client().get(f"/t/{thread.pk}/").content.decode()
    assert report not in visitor  # reporting needs an account
    assert page.count(worried) == 1


# --- anonymity ---------------------------------------------------------------------------------


def test_anonymous_thread_page_never_names_its_author_to_another_member(
    make_community: Any, person: Any
) -> None:
    from alongside.accounts.services import profile_update

    make_community("anxiety")
    author, reader = person("secret_keeper"), person("kind_reader")
    profile_update(user_id=author.user_id, display_name="Very Distinctive Name")
    reader.post("/c/anxiety/join/")
    response = author.post(
        "/c/anxiety/new/",
        {"title": "Something I never said", "body": "Words about #loneliness", "anonymous": "on"},
    )
    thread_url = response["Location"]
    thread = Thread.objects.get()
    assert thread.anonymous
    author.post(f"/t/{thread.pk}/reply/", {"body": "Adding more, still hidden", "anonymous": "on"})

    seen = [
        reader.html(thread_url),
        reader.html("/c/anxiety/"),
        reader.html("/feed/"),
        reader.html("/feed/", sort="needs_support"),
        reader.html("/search/", q="words"),
        reader.html("/tags/loneliness/"),
    ]
    assert "Something I never said" in seen[0] and "Anonymous member" in seen[0]
    assert "Adding more, still hidden" in seen[0]
    for html in seen:
        text = _without_form_values(html)
        assert "secret_keeper" not in text
        assert "Very Distinctive Name" not in text
        assert "(you, posted anonymously)" not in text
        assert "/reveal/" not in text  # members cannot reveal

    own = author.html(thread_url)
    assert own.count("(you, posted anonymously)") >= 2
    assert "Anonymous member" in own


def test_reveal_requires_a_reason_and_is_audited(
    make_community: Any, person: Any, settings: Any
) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    author, moderator, member = person("hidden_one"), person("mod_one"), person("plain_one")
    role_grant(user_id=moderator.user_id, role="moderator", community="anxiety")
    written = start_thread(author, anonymous=True)
    post_id = written.post.pk

    assert f"/p/{post_id}/reveal/" in moderator.html(f"/t/{written.thread.pk}/")
    assert member.get(f"/p/{post_id}/reveal/").status_code == 403
    assert (
        member.post(f"/p/{post_id}/reveal/", {"reason": "I really want to know"}).status_code == 403
    )
    form = moderator.html(f"/p/{post_id}/reveal/")
    assert "audit log" in form and 'name="reason"' in form
    assert "hidden_one" not in form
    before = AuditEntry.objects.filter(action="post.author_reveal").count()
    short = moderator.post(f"/p/{post_id}/reveal/", {"reason": "why"})
    assert short.status_code == 422
    assert 'id="reveal_reason_error"' in short.content.decode()
    assert "hidden_one" not in short.content.decode()
    assert AuditEntry.objects.filter(action="post.author_reveal").count() == before

    shown = moderator.post(f"/p/{post_id}/reveal/", {"reason": "Checking on a risk report"})
    assert shown.status_code == 200
    assert "hidden_one" in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    entry = AuditEntry.objects.filter(action="post.author_reveal").get()
    assert entry.reason == "Checking on a risk report"
    assert entry.data["post_id"] == post_id


# --- content warnings and filters -------------------------------------------------------------


def test_a_warned_post_starts_collapsed_inside_a_closed_details(
    make_community: Any, person: Any
) -> None:
    make_community("anxiety")
    writer, reader = person("cw_writer"), person("cw_reader")
    writer.post(
        "/c/anxiety/new/",
        {
            "title": "About last night",
            "body": "The words behind the warning.",
            "cw_topics": ["self_harm"],
            "cw_text": "hospital stay",
        },
    )
    thread = Thread.objects.get()
    page = reader.html(f"/t/{thread.pk}/")
    match = re.search(
        r"<details class=\"cw\"([^>]*)>\s*<summary>(.*?)</summary>(.*?)</details>", page, re.S
    )
    assert match, "the body sits inside <details>"
    attributes, summary, inside = match.groups()
    assert "open" not in attributes
    assert "Self-harm" in summary and "hospital stay" in summary
    assert "The words behind the warning." in inside
    assert "The words behind the warning." not in page.replace(inside, "")
    # Lists show the warning instead of an excerpt.
    reader.post("/c/anxiety/join/")
    feed = reader.html("/feed/")
    assert "About last night" in feed and "Self-harm" in feed
    assert "The words behind the warning." not in feed


def test_a_hidden_topic_is_not_shown_on_the_thread_page_feed_or_search(
    make_community: Any, person: Any
) -> None:
    from alongside.accounts.services import preferences_update

    make_community("anxiety")
    writer, reader = person("topic_writer"), person("topic_hider")
    reader.post("/c/anxiety/join/")
    written = start_thread(
        writer,
        title="Heavy thread",
        body="Unmistakable heavy sentence.",
        content_warning={"topics": ["self_harm"], "text": ""},
    )
    start_thread(writer, title="Light thread", body="Unmistakable light sentence.")
    preferences_update(user_id=reader.user_id, topic_filters={"self_harm": "hide"})

    page = reader.html(f"/t/{written.thread.pk}/")
    assert "This thread has a topic you chose to hide" in page
    assert 'href="/settings/filters/"' in page
    assert "Unmistakable heavy sentence." not in page
    assert f'"/t/{written.thread.pk}/reply/' not in page
    for html in (
        reader.html("/feed/"),
        reader.html("/c/anxiety/"),
        reader.html("/search/", q="unmistakable"),
    ):
        assert "Unmistakable heavy sentence." not in html
        assert "Heavy thread" not in html
    assert "Unmistakable light sentence." in reader.html("/search/", q="unmistakable")


def test_feed_tabs_surface_threads_waiting_for_support_and_suggest_communities_when_empty(
    make_community: Any, person: Any
) -> None:
    make_community("anxiety")
    writer, reader = person("waiting_writer"), person("feed_reader")
    empty = reader.html("/feed/")
    assert 'href="/c/"' in empty and "Join a community" in empty
    reader.post("/c/anxiety/join/")
    start_thread(writer, title="Is anyone awake?")
    page = reader.html("/feed/", sort="needs_support")
    assert re.search(r'href="\?sort=needs_support" aria-current="page"', page)
    assert "Is anyone awake?" in page
    assert "No replies yet — be the first to support" in page
    assert 'href="/c/anxiety/">Anxiety</a>' in page  # the community of each card
    assert "Is anyone awake?" in reader.html("/feed/")  # "new" is the default tab


def test_search_has_a_labelled_search_landmark_and_shows_where_each_result_is(
    make_community: Any, person: Any
) -> None:
    make_community("anxiety")
    writer, reader = person("searched_writer"), person("searcher")
    start_thread(writer, title="Breathing exercises", body="Box breathing helps me at night.")
    page = reader.html("/search/")
    assert re.search(r'<form[^>]*role="search"[^>]*method="get"[^>]*action="/search/"', page)
    assert '<label for="id_q">' in page
    results = reader.html("/search/", q="breathing")
    assert "Breathing exercises" in results and "Box breathing helps me" in results
    assert 'href="/c/anxiety/">Anxiety</a>' in results
    assert "Nothing found" in reader.html("/search/", q="zebra")
    assert reader.get("/search/", q="x" * 300).status_code == 400


# --- replies, reactions, bookmarks ---------------------------------------------------------------


def test_the_reply_form_posts_a_reply_and_refuses_an_empty_one(
    make_community: Any, person: Any
) -> None:
    make_community("anxiety")
    writer, helper = person("asker"), person("helper")
    written = start_thread(writer)
    thread_id = written.thread.pk
    page = helper.html(f"/t/{thread_id}/")
    assert f'action="/t/{thread_id}/reply/#reply"' in page
    assert '<label for="reply_body">' in page

    empty = helper.post(f"/t/{thread_id}/reply/", {"body": ""})
    assert empty.status_code == 422
    html = empty.content.decode()
    assert 'id="reply_body_error"' in html and "This cannot be empty." in html
    assert Post.objects.count() == 1

    response = helper.post(
        f"/t/{thread_id}/reply/",
        {"body": "You are not alone in this.", "reply_to": str(written.post.pk)},
    )
    assert response.status_code == 303
    reply = Post.objects.get(is_opening=False)
    assert response["Location"] == f"/t/{thread_id}/#post-{reply.pk}"
    assert reply.reply_to_id == written.post.pk
    page = writer.html(f"/t/{thread_id}/")
    assert "You are not alone in this." in page
    assert f'href="#post-{written.post.pk}"' in page  # the "In reply to" line

    # A reply_to outside the thread is refused above the form, and nothing is written.
    other = start_thread(writer, title="Another thread")
    wrong = helper.post(
        f"/t/{thread_id}/reply/", {"body": "misplaced", "reply_to": str(other.post.pk)}
    )
    assert wrong.status_code == 422
    assert "That post is not in this thread." in wrong.content.decode()
    assert not Post.objects.filter(body="misplaced").exists()


def test_the_reply_link_fills_the_hidden_reply_to_field(make_community: Any, person: Any) -> None:
    make_community("anxiety")
    writer, helper = person("quoted"), person("quoter")
    written = start_thread(writer)
    page = helper.html(f"/t/{written.thread.pk}/", reply_to=str(written.post.pk))
    assert re.search(rf'<input type="hidden" name="reply_to" value="{written.post.pk}"', page)
    assert "Replying to" in page


def test_support_reactions_toggle_with_one_small_form_each(
    make_community: Any, person: Any
) -> None:
    make_community("anxiety")
    writer, friend = person("reacted_to"), person("reactor")
    written = start_thread(writer)
    post_id, thread_id = written.post.pk, written.thread.pk
    page = friend.html(f"/t/{thread_id}/")
    assert page.count(f'action="/p/{post_id}/react/"') == 4
    assert "Sending a hug" in page and "Sending strength" in page

    sent = friend.post(f"/p/{post_id}/react/", {"kind": "hug", "on": "1"})
    assert sent.status_code == 303
    assert sent["Location"] == f"/t/{thread_id}/#post-{post_id}"
    assert Reaction.objects.filter(post_id=post_id, user_id=friend.user_id, kind="hug").exists()
    page = friend.html(f"/t/{thread_id}/")
    assert re.search(rf'id="react-{post_id}-hug" aria-pressed="true"', page)
    assert re.search(rf'id="react-{post_id}-relate" aria-pressed="false"', page)
    # Sending twice is harmless (the form says "on", not "toggle").
    friend.post(f"/p/{post_id}/react/", {"kind": "hug", "on": "1"})
    assert Reaction.objects.filter(post_id=post_id).count() == 1

    # With htmx the reaction bar comes back as a fragment.
    taken = friend.post(f"/p/{post_id}/react/", {"kind": "hug", "on": "0"}, HTTP_HX_REQUEST="true")
    assert taken.status_code == 200
    fragment = taken.content.decode()
    assert fragment.startswith('<div class="reactions"')
    assert re.search(rf'id="react-{post_id}-hug" aria-pressed="false"', fragment)
    assert not Reaction.objects.filter(post_id=post_id).exists()
    assert friend.post(f"/p/{post_id}/react/", {"kind": "like", "on": "1"}).status_code == 422


def test_bookmark_toggle_and_the_bookmarks_page(make_community: Any, person: Any) -> None:
    make_community("anxiety")
    writer, reader = person("bookmarked_writer"), person("bookmarker")
    written = start_thread(writer, title="Worth keeping")
    thread_id = written.thread.pk
    assert "Worth keeping" not in reader.html("/bookmarks/")
    assert reader.post(f"/t/{thread_id}/bookmark/", {"on": "1"}).status_code == 303
    assert 'aria-pressed="true"' in reader.html(f"/t/{thread_id}/")
    assert "Worth keeping" in reader.html("/bookmarks/")
    fragment = reader.post(f"/t/{thread_id}/bookmark/", {"on": "0"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert 'aria-pressed="false"' in fragment.content.decode()
    assert "Worth keeping" not in reader.html("/bookmarks/")


# --- author and moderator actions ----------------------------------------------------------------


def test_authors_edit_and_delete_their_own_posts_only(make_community: Any, person: Any) -> None:
    make_community("anxiety")
    writer, other = person("editor"), person("not_the_editor")
    written = start_thread(writer, title="Old title", body="Old words")
    post_id, thread_id = written.post.pk, written.thread.pk
    assert other.get(f"/p/{post_id}/edit/").status_code == 403
    assert other.post(f"/p/{post_id}/edit/", {"body": "hijack"}).status_code == 403
    assert other.post(f"/p/{post_id}/delete/").status_code == 403

    form = writer.html(f"/p/{post_id}/edit/")
    assert 'value="Old title"' in form and "Old words" in form
    empty = writer.post(f"/p/{post_id}/edit/", {"title": "New title", "body": ""})
    assert empty.status_code == 422
    assert Post.objects.get(pk=post_id).body == "Old words"
    saved = writer.post(
        f"/p/{post_id}/edit/",
        {"title": "New title", "body": "New words", "cw_topics": ["grief"]},
    )
    assert saved.status_code == 303
    page = writer.html(f"/t/{thread_id}/")
    assert "New title" in page and "New words" in page and "edited" in page
    assert "Grief and loss" in page

    reply = reply_to(other, written.thread, body="A reply that stays")
    deleted = writer.post(f"/p/{post_id}/delete/")
    assert deleted.status_code == 303
    page = other.html(f"/t/{thread_id}/")
    assert "New words" not in page
    assert "This post was deleted by its author." in page
    assert "A reply that stays" in page
    assert reply.post.pk


def test_moderator_locks_and_unlocks_with_a_reason(
    make_community: Any, person: Any, settings: Any
) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    writer, moderator, member = person("lock_writer"), person("lock_mod"), person("lock_member")
    role_grant(user_id=moderator.user_id, role="moderator", community="anxiety")
    written = start_thread(writer)
    thread_id = written.thread.pk
    assert f'action="/t/{thread_id}/lock/"' in moderator.html(f"/t/{thread_id}/")
    assert f'action="/t/{thread_id}/lock/"' not in member.html(f"/t/{thread_id}/")
    assert (
        member.post(
            f"/t/{thread_id}/lock/", {"locked": "1", "reason": "I want it locked"}
        ).status_code
        == 403
    )

    short = moderator.post(f"/t/{thread_id}/lock/", {"locked": "1", "reason": "no"})
    assert short.status_code == 422
    assert 'id="lock_reason_error"' in short.content.decode()
    assert not Thread.objects.get(pk=thread_id).locked

    locked = moderator.post(
        f"/t/{thread_id}/lock/", {"locked": "1", "reason": "Heated, cooling down for a day"}
    )
    assert locked.status_code == 303
    assert Thread.objects.get(pk=thread_id).locked
    assert AuditEntry.objects.filter(action="thread.lock").exists()
    page = member.html(f"/t/{thread_id}/")
    assert "Locked:" in page
    assert f'"/t/{thread_id}/reply/' not in page
    assert member.post(f"/t/{thread_id}/reply/", {"body": "late"}).status_code == 409
    assert (
        moderator.post(
            f"/t/{thread_id}/lock/", {"locked": "0", "reason": "Calmer now, reopening"}
        ).status_code
        == 303
    )
    assert not Thread.objects.get(pk=thread_id).locked


def test_moderator_adds_a_warning_removes_a_post_and_reads_the_history(
    make_community: Any, person: Any, settings: Any
) -> None:
    from alongside.accounts.services import role_grant

    settings.STAFF_MFA_REQUIRED = False
    make_community("anxiety")
    writer, moderator, member = person("warned_writer"), person("warn_mod"), person("warn_member")
    role_grant(user_id=moderator.user_id, role="moderator", community="anxiety")
    written = start_thread(writer, body="Plain words at first")
    reply = reply_to(writer, written.thread, body="A reply to remove")
    post_id = written.post.pk
    assert member.get(f"/p/{post_id}/warning/").status_code == 403
    assert member.get(f"/p/{post_id}/history/").status_code == 403

    nothing = moderator.post(f"/p/{post_id}/warning/", {"note": "Needs a warning here"})
    assert nothing.status_code == 422
    assert 'id="warning_cw_topics_error"' in nothing.content.decode()
    no_note = moderator.post(f"/p/{post_id}/warning/", {"cw_topics": ["grief"], "note": ""})
    assert no_note.status_code == 422
    assert 'id="warning_note_error"' in no_note.content.decode()
    added = moderator.post(
        f"/p/{post_id}/warning/", {"cw_topics": ["grief"], "note": "Talks about a loss"}
    )
    assert added.status_code == 303
    page = member.html(f"/t/{written.thread.pk}/")
    assert '<details class="cw">' in page and "(added by a moderator)" in page
    history = moderator.html(f"/p/{post_id}/history/")
    assert "Plain words at first" in history and "Talks about a loss" in history

    short = moderator.post(f"/p/{reply.post.pk}/delete/", {"reason": "no"})
    assert short.status_code == 422
    removed = moderator.post(
        f"/p/{reply.post.pk}/delete/", {"reason": "Breaks rule 2, sharing methods"}
    )
    assert removed.status_code == 303
    assert "A reply to remove" not in member.html(f"/t/{written.thread.pk}/")
    assert "Removed by a moderator" in moderator.html(f"/t/{written.thread.pk}/")


# --- tags and query counts ----------------------------------------------------------------------


def test_trending_tags_and_a_blocked_tag_shows_support_instead(
    make_community: Any, person: Any
) -> None:
    from alongside.communities.services import tag_block

    make_community("anxiety")
    writer = person("tagger")
    start_thread(writer, title="Tagged", body="About #sleep and #harmfultag")
    tag_block(name="harmfultag", blocked=True, reason="promotes harm")
    tags = writer.html("/tags/")
    assert "#sleep" in tags and "harmfultag" not in tags
    assert "Tagged" in writer.html("/tags/sleep/")
    blocked = writer.html("/tags/harmfultag/")
    assert "Tagged" not in blocked
    assert 'href="/help"' in blocked and 'href="/safety-plan"' in blocked


def _seed_posts(writer: Person, helper: Person, n: int) -> Thread:
    written = start_thread(writer, title=f"Thread with {n} posts")
    previous = written.post
    for i in range(n - 1):
        who = helper if i % 2 else writer
        reply = reply_to(
            who,
            written.thread,
            body=f"Reply {i}",
            anonymous=i % 3 == 0,
            reply_to=previous.pk,
            content_warning={"topics": ["grief"], "text": ""} if i % 4 == 0 else None,
        )
        previous = reply.post
        Reaction.objects.create(post=reply.post, user_id=helper.user_id, kind="hug")
    return written.thread


def test_thread_page_queries_do_not_grow_with_the_number_of_posts(
    make_community: Any, person: Any, django_assert_max_num_queries: Any
) -> None:
    make_community("anxiety")
    writer, helper = person("long_writer").trusted(), person("long_helper").trusted()
    reader = person("long_reader")
    small = _seed_posts(writer, helper, 5)
    large = _seed_posts(writer, helper, 40)
    # Warm the session and the once-a-day reading record, as any second page view would be.
    reader.get(f"/t/{small.pk}/")
    reader.get(f"/t/{large.pk}/")

    with CaptureQueriesContext(connection) as few:
        assert reader.get(f"/t/{small.pk}/").status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = reader.get(f"/t/{large.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('class="post-list__item"') == 30  # one page

"""A thread's page of posts shared between signed-in readers (selectors.thread_detail,
core/pagecache.py ``shared``): read once per process while the thread is unchanged, used only
for a reader whose page it is exactly, and never holding anything a transaction has not
committed. Each reader's page with sharing on must be the page the same reader gets with
sharing off, whoever they are.

These tests commit for real (``transaction=True``): the write generation moves after commit."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.core import pagecache
from tests.communities.test_pages import (
    Person,
    _seed_posts,
    _without_form_values,
    reply_to,
    start_thread,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sharing(settings: Any) -> Any:
    """The page cache on and empty, with its counter rows (a transactional test's flush
    empties every table, the data migration's rows included)."""
    from alongside.core.models import WriteGeneration

    settings.PAGE_CACHE_ENTRIES = 64
    settings.PAGE_CACHE_SECONDS = 60
    settings.STAFF_MFA_REQUIRED = False
    for row in (pagecache.EVERY, pagecache.SITE):
        WriteGeneration.objects.get_or_create(id=row)
    pagecache.forget_all()
    yield settings
    pagecache.forget_all()


def _post_page_read(queries: CaptureQueriesContext) -> bool:
    """Whether the reader's own page of posts was read (the query with the page's order)."""
    from alongside.communities.selectors import POSTS_PAGE_SIZE

    limit = f"LIMIT {POSTS_PAGE_SIZE + 1}"
    return any(
        'FROM "communities_post"' in q["sql"] and "ORDER BY" in q["sql"] and limit in q["sql"]
        for q in queries.captured_queries
    )


def _views(who: Person, thread_id: int, token: str) -> list[str]:
    """What the reader gets: both pages of the thread and the API's answer for each."""
    first = who.html(f"/t/{thread_id}/")
    api = who.client.get(f"/api/v1/threads/{thread_id}", HTTP_X_SESSION_TOKEN=token)
    assert api.status_code == 200, api.content
    body = api.json()
    cursor = body["posts"]["next"]
    assert cursor, "the thread has a second page"
    second = who.html(f"/t/{thread_id}/", cursor=cursor)
    api_second = who.client.get(
        f"/api/v1/threads/{thread_id}", {"cursor": cursor}, HTTP_X_SESSION_TOKEN=token
    )
    return [
        _without_form_values(first),
        json.dumps(body, sort_keys=True),
        _without_form_values(second),
        json.dumps(api_second.json(), sort_keys=True),
    ]


READERS = [
    "member",
    "writer",
    "reactor",
    "hides_grief",
    "mutes_a_word",
    "blocked_someone",
    "held_reply",
    "waiting_reply",
    "moderator",
]


def _situate(reader: str, who: Person, thread: Any, make_person: Any) -> None:
    """Give the reader what makes their page theirs: reactions, filters, a block, an
    unpublished reply, a moderator's role (with a removed and a held post to see)."""
    from alongside.accounts.services import block_set, preferences_update, role_grant
    from alongside.communities.models import Post, Reaction, Status

    posts = list(Post.objects.filter(thread=thread).order_by("created_at", "id"))
    if reader == "reactor":
        Reaction.objects.create(post=posts[3], user_id=who.user_id, kind="relate")
        Reaction.objects.create(post=posts[-1], user_id=who.user_id, kind="thanks")
    elif reader == "hides_grief":
        preferences_update(user_id=who.user_id, topic_filters={"grief": "hide"})
    elif reader == "mutes_a_word":
        preferences_update(user_id=who.user_id, muted_words=["Reply 7"])
    elif reader == "blocked_someone":
        rare = make_person(f"{who.username}_rare").trusted()
        reply_to(rare, thread, body="A rare named reply")
        block_set(user_id=who.user_id, target_username=rare.username)
    elif reader in ("held_reply", "waiting_reply"):
        mine = reply_to(who, thread, body=f"My own reply, {reader}").post
        if reader == "held_reply":
            Post.objects.filter(pk=mine.pk).update(status=Status.HELD)
        else:
            later = timezone.now() + datetime.timedelta(hours=12)
            Post.objects.filter(pk=mine.pk).update(status=Status.PENDING, release_at=later)
    elif reader == "moderator":
        role_grant(user_id=who.user_id, role="moderator", community="anxiety")
        Post.objects.filter(pk=posts[5].pk).update(status=Status.REMOVED)
        Post.objects.filter(pk=posts[6].pk).update(status=Status.HELD)


@pytest.mark.parametrize("reader", READERS)
def test_each_reader_gets_the_page_they_get_without_sharing(
    reader: str, make_community: Any, person: Any, sharing: Any
) -> None:
    make_community("anxiety")
    writer, helper = person("shr_writer").trusted(), person("shr_helper").trusted()
    thread = _seed_posts(writer, helper, 45)
    who = {"writer": writer}.get(reader) or person(f"shr_{reader}")
    _situate(reader, who, thread, person)

    # Another member reads first, so the page is there to share.
    bystander = person("shr_bystander")
    _views(bystander, thread.pk, bystander.member["token"])
    shared = _views(who, thread.pk, who.member["token"])
    sharing.PAGE_CACHE_ENTRIES = 0
    alone = _views(who, thread.pk, who.member["token"])
    assert shared == alone
    if reader == "moderator":
        assert "Removed by a moderator" in shared[0]


def test_a_plain_reader_reads_no_posts_of_their_own(
    make_community: Any, person: Any, sharing: Any
) -> None:
    make_community("anxiety")
    writer, helper = person("own_writer").trusted(), person("own_helper").trusted()
    thread = _seed_posts(writer, helper, 12)
    first, second = person("own_first"), person("own_second")
    with CaptureQueriesContext(connection) as filling:
        first.html(f"/t/{thread.pk}/")
    assert _post_page_read(filling)
    with CaptureQueriesContext(connection) as reading:
        page = second.html(f"/t/{thread.pk}/")
    assert not _post_page_read(reading)
    assert len(reading.captured_queries) < len(filling.captured_queries)
    assert page.count('class="post-list__item"') == 12


@pytest.mark.parametrize("reader", ["hides_grief", "blocked_someone", "held_reply", "moderator"])
def test_a_reader_whose_page_differs_reads_their_own(
    reader: str, make_community: Any, person: Any, sharing: Any
) -> None:
    make_community("anxiety")
    writer, helper = person("dif_writer").trusted(), person("dif_helper").trusted()
    thread = _seed_posts(writer, helper, 12)
    who = person(f"dif_{reader}")
    _situate(reader, who, thread, person)
    person("dif_first").html(f"/t/{thread.pk}/")  # the shared page exists
    with CaptureQueriesContext(connection) as reading:
        page = who.html(f"/t/{thread.pk}/")
    assert _post_page_read(reading)
    if reader == "hides_grief":
        assert "Reply 0" not in page and "Reply 1" in page  # 0, 4, 8 carry the warning
    elif reader == "blocked_someone":
        assert "A rare named reply" not in page and "Reply 2" in page
    elif reader == "held_reply":
        assert "My own reply, held_reply" in page
    else:
        assert "Removed by a moderator" in page and "Held for review" in page


@pytest.mark.parametrize("change", ["reply", "reaction", "edit", "author_delete", "removal"])
def test_a_change_is_seen_by_the_next_signed_in_reader(
    change: str, make_community: Any, person: Any, sharing: Any
) -> None:
    from alongside.accounts.services import role_grant
    from alongside.communities.models import Reaction

    make_community("anxiety")
    writer, moderator = person("chg_writer").trusted(), person("chg_mod")
    role_grant(user_id=moderator.user_id, role="moderator", community="anxiety")
    written = start_thread(writer, body="The opening words")
    reply = reply_to(writer, written.thread, body="An early reply")
    path = f"/t/{written.thread.pk}/"
    reader = person("chg_reader")
    assert "An early reply" in reader.html(path)
    person("chg_other").html(path)  # shared now

    if change == "reply":
        reply_to(writer, written.thread, body="A later reply")
        assert "A later reply" in reader.html(path)
    elif change == "reaction":
        assert writer.post(f"/p/{reply.post.pk}/react/", {"kind": "hug"}).status_code == 303
        assert Reaction.objects.filter(post=reply.post).count() == 1
        page = reader.html(path)
        post_html = page.split(f'id="post-{reply.post.pk}"')[1].split("</article>")[0]
        assert '<span class="reaction__count">1</span>' in post_html
    elif change == "edit":
        edited = writer.post(f"/p/{reply.post.pk}/edit/", {"body": "Edited words"})
        assert edited.status_code == 303
        page = reader.html(path)
        assert "Edited words" in page and "An early reply" not in page
    elif change == "author_delete":
        assert writer.post(f"/p/{reply.post.pk}/delete/").status_code == 303
        page = reader.html(path)
        assert "An early reply" not in page and "deleted by its author" in page
    else:
        removed = moderator.post(
            f"/p/{reply.post.pk}/delete/", {"reason": "Breaks the community rules"}
        )
        assert removed.status_code == 303
        page = reader.html(path)
        assert "An early reply" not in page
        assert "Removed by a moderator" in page  # the tombstone every member sees


def test_nothing_uncommitted_is_shared(make_community: Any, person: Any, sharing: Any) -> None:
    """A page read inside a transaction that then rolls back must not be kept: its own
    uncommitted reply would be served to the next reader, under a generation that never
    moved."""
    from alongside.communities import access, selectors

    make_community("anxiety")
    writer, reader = person("unc_writer").trusted(), person("unc_reader")
    written = start_thread(writer, body="The opening words")
    path = f"/t/{written.thread.pk}/"
    reader.html(path)

    def read_inside_then_roll_back() -> list[str]:
        with transaction.atomic():
            reply_to(writer, written.thread, body="Words that never were")
            actor = reader.actor
            thread, place = access.get_thread_for(actor, written.thread.pk)
            inside = selectors.thread_detail(actor=actor, thread=thread, place=place)
            transaction.set_rollback(True)
        return [p["body"] for p in inside["posts"]["items"]]

    assert "Words that never were" in read_inside_then_roll_back()
    assert "Words that never were" not in reader.html(path)
    assert "Words that never were" not in person("unc_later").html(path)


def test_the_python_filter_test_agrees_with_the_query(
    make_community: Any, person: Any, sharing: Any
) -> None:
    """``hidden_by_filters`` decides whether the shared page is a reader's page: it must leave
    out exactly what ``_apply_filters`` leaves out, for every post and every filter."""
    from alongside.accounts.selectors import Filters
    from alongside.communities import selectors
    from alongside.communities.models import Post

    make_community("anxiety")
    writer, helper = person("agr_writer").trusted(), person("agr_helper").trusted()
    thread = _seed_posts(writer, helper, 16)
    Post.objects.filter(thread=thread, body="Reply 5").update(cw_topics=",grief,self_harm,")
    Post.objects.filter(thread=thread, body="Reply 6").update(cw_topics=",eating_disorders,")
    posts = list(Post.objects.filter(thread=thread))
    choices = [
        Filters(),
        Filters(topic_filters={"grief": "hide"}),
        Filters(topic_filters={"self_harm": "hide", "eating_disorders": "hide"}),
        Filters(topic_filters={"grief": "collapse"}),
        Filters(hidden_authors=frozenset({helper.user_id})),
        Filters(hidden_authors=frozenset({writer.user_id, 999_999})),
        Filters(topic_filters={"grief": "hide"}, hidden_authors=frozenset({writer.user_id})),
        Filters(topic_filters={"grief": "show"}, teen=True),
    ]
    for filters in choices:
        kept = set(
            selectors._apply_filters(Post.objects.filter(thread=thread), filters).values_list(
                "pk", flat=True
            )
        )
        by_python = {p.pk for p in posts if not selectors.hidden_by_filters(filters, p)}
        assert by_python == kept, filters

"""Thread pages kept for signed-out visitors (core/pagecache.py, decision 0022): a kept page is
served only while nothing a visitor could see has changed, never to anyone whose page could
differ, and never with another visitor's CSRF token.

These tests commit for real (``transaction=True``): the write generation moves after commit,
which the usual rolled-back test transaction never reaches."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alongside.core import pagecache
from tests.communities.test_pages import Person, _without_form_values, reply_to, start_thread

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture
def person(make_member: Any) -> Any:
    def _make(username: str | None = None, **kwargs: Any) -> Person:
        return Person(make_member(username, **kwargs))

    return _make


@pytest.fixture
def kept(settings: Any) -> Any:
    """The page cache on, empty, with its counter row (a transactional test's flush empties
    every table, the data migration's row included)."""
    from alongside.core.models import WriteGeneration

    settings.PAGE_CACHE_ENTRIES = 64
    settings.PAGE_CACHE_SECONDS = 60
    settings.STAFF_MFA_REQUIRED = False
    WriteGeneration.objects.get_or_create(id=1)
    store = pagecache.store()
    assert store is not None
    store.clear()
    yield store
    store.clear()


def visit(path: str, client: Client | None = None, **headers: Any) -> tuple[str, int]:
    """A signed-out visit: the page and how many queries it took."""
    client = client or Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode(), len(queries.captured_queries)


# --- which statements count ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "counts"),
    [
        ('SELECT "communities_post"."id" FROM "communities_post"', False),
        ('INSERT INTO "communities_post" ("body") VALUES (%s)', True),
        ('UPDATE "communities_thread" SET "locked" = true', True),
        ('DELETE FROM "communities_reaction" WHERE "id" = 1', True),
        ("INSERT OR IGNORE INTO communities_tag (name) VALUES (%s)", True),
        ('UPDATE "django_session" SET "expire_date" = %s', False),
        ("INSERT INTO moderation_threadvisit (user_id) VALUES (%s) ON CONFLICT DO NOTHING", False),
        ('DELETE FROM "core_ratelimitwindow" WHERE 1', False),
        ("UPDATE core_writegeneration SET value = value + 1 WHERE id = 1", False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", False),
        ('WITH x AS (SELECT 1) UPDATE "communities_post" SET "body" = %s', True),
        ("SAVEPOINT s1", False),
        ("RELEASE SAVEPOINT s1", False),
        ("SELECT set_config('TimeZone', %s, false)", False),
        ("TRUNCATE communities_post", True),
        ('ALTER TABLE "communities_post" ADD COLUMN "x" int', False),  # migrating: restarts
        ("COPY communities_post FROM STDIN", True),
    ],
)
def test_which_statements_move_the_generation(sql: str, counts: bool) -> None:
    assert pagecache.changes_pages(sql) is counts


# --- serving -----------------------------------------------------------------------------------


def test_a_second_signed_out_visit_is_the_kept_page(
    make_community: Any, person: Any, kept: Any
) -> None:
    make_community("anxiety")
    written = start_thread(person("cache_writer"), body="Words for the first visit")
    path = f"/t/{written.thread.pk}/"
    first, first_queries = visit(path)
    second, second_queries = visit(path)
    assert "Words for the first visit" in second
    assert _without_form_values(second) == _without_form_values(first)
    assert second_queries == 1 < first_queries  # only the generation was read
    assert kept.hits == 1


@pytest.mark.parametrize(
    "change",
    ["reply", "edit", "moderator_warning", "moderator_removal", "members_only", "raw_sql"],
)
def test_every_change_a_visitor_could_see_is_seen_on_the_next_visit(
    change: str, make_community: Any, person: Any, kept: Any
) -> None:
    from alongside.accounts.services import role_grant
    from alongside.communities.models import Community, Post

    make_community("anxiety")
    writer, moderator = person("seen_writer"), person("seen_mod")
    role_grant(user_id=moderator.user_id, role="moderator", community="anxiety")
    written = start_thread(writer, body="The opening words")
    reply = reply_to(writer, written.thread, body="An early reply")
    path = f"/t/{written.thread.pk}/"
    before, _ = visit(path)
    assert "An early reply" in before
    visit(path)  # kept

    if change == "reply":
        reply_to(writer, written.thread, body="A later reply")
        assert "A later reply" in visit(path)[0]
    elif change == "edit":
        edited = writer.post(f"/p/{reply.post.pk}/edit/", {"body": "Edited words"})
        assert edited.status_code == 303
        page = visit(path)[0]
        assert "Edited words" in page and "An early reply" not in page
    elif change == "moderator_warning":
        added = moderator.post(
            f"/p/{written.post.pk}/warning/", {"cw_topics": ["grief"], "note": "About a loss"}
        )
        assert added.status_code == 303
        assert "(added by a moderator)" in visit(path)[0]
    elif change == "moderator_removal":
        removed = moderator.post(f"/p/{reply.post.pk}/delete/", {"reason": "Breaks rule 2"})
        assert removed.status_code == 303
        assert "An early reply" not in visit(path)[0]
    elif change == "members_only":
        Community.objects.filter(slug="anxiety").update(visibility=Community.Visibility.MEMBERS)
        assert Client().get(path).status_code == 404
    elif change == "raw_sql":
        with connection.cursor() as cursor:
            cursor.execute(
                'UPDATE "communities_post" SET "body_html" = %s WHERE "id" = %s',
                ["<p>Changed behind the services</p>", reply.post.pk],
            )
        assert "Changed behind the services" in visit(path)[0]
    assert Post.objects.filter(pk=reply.post.pk).exists()


def test_a_rolled_back_write_leaves_the_kept_page_and_a_savepoint_rollback_does_not_hide_a_commit(
    make_community: Any, person: Any, kept: Any
) -> None:
    from alongside.communities.models import Post

    make_community("anxiety")
    written = start_thread(person("rollback_writer"), body="Steady words")
    posts = Post.objects.filter(pk=written.post.pk)

    def change_then_fail(html: str) -> None:
        try:
            with transaction.atomic():  # a transaction, or inside one a savepoint
                posts.update(body_html=html)
                raise RuntimeError
        except RuntimeError:
            pass

    start = pagecache.generation()
    change_then_fail("<p>never</p>")
    assert pagecache.generation() == start
    with transaction.atomic():
        # The first counted write is in a savepoint that rolls back: the later one still counts.
        change_then_fail("<p>undone</p>")
        posts.update(body_html="<p>kept change</p>")
    assert pagecache.generation() == start + 1
    assert "kept change" in visit(f"/t/{written.thread.pk}/")[0]


def test_signed_in_readers_sessions_htmx_and_languages_never_share_a_kept_page(
    make_community: Any, person: Any, kept: Any
) -> None:
    make_community("anxiety")
    writer = person("own_writer")
    written = start_thread(writer, body="Mine to edit", anonymous=True)
    path = f"/t/{written.thread.pk}/"
    visit(path)
    visit(path)
    assert kept.hits == 1
    # The author sees the page as theirs (edit links), never the visitor's copy.
    own = writer.html(path)
    assert f"/p/{written.post.pk}/edit/" in own
    # A visitor with a session (a message waiting, say) runs the page.
    with_session = Client()
    with_session.cookies["sessionid"] = "not-a-real-session"
    visit(path, with_session)
    # htmx and another language are other pages.
    english, _ = visit(path)
    chinese, _ = visit(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'lang="zh-Hans"' in chinese and 'lang="en"' in english
    assert kept.hits == 2  # the second English visit only


def test_each_visitor_gets_their_own_csrf_token_and_it_works(
    make_community: Any, person: Any, kept: Any
) -> None:
    make_community("anxiety")
    written = start_thread(person("token_writer"))
    path = f"/t/{written.thread.pk}/"
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one, _ = visit(path, first)
    page_two, _ = visit(path, second)
    assert kept.hits == 1
    token_one, token_two = TOKEN.findall(page_one), TOKEN.findall(page_two)
    assert token_one and token_two and set(token_one).isdisjoint(token_two)
    assert pagecache.PLACEHOLDER not in page_two
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # The kept page's token is the second visitor's own: their language form works.
    switched = second.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": path, "csrfmiddlewaretoken": token_two[0]}
    )
    assert switched.status_code == 302
    # And the first visitor's token does not work with the second visitor's cookie.
    crossed = second.post(
        "/i18n/setlang/", {"language": "en", "next": path, "csrfmiddlewaretoken": token_one[0]}
    )
    assert crossed.status_code == 403


def test_a_kept_page_lives_only_so_long_and_nothing_is_kept_without_the_counter(
    make_community: Any, person: Any, kept: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alongside.core.models import WriteGeneration

    make_community("anxiety")
    written = start_thread(person("ttl_writer"))
    path = f"/t/{written.thread.pk}/"
    clock = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: clock[0])
    visit(path)
    clock[0] += 59
    assert visit(path)[1] == 1  # kept
    clock[0] += 2
    assert visit(path)[1] > 1  # older than PAGE_CACHE_SECONDS: rendered again
    WriteGeneration.objects.all().delete()
    kept.clear()
    visit(path)
    assert visit(path)[1] > 1
    assert kept.hits == 0


def test_a_page_holding_a_token_shaped_string_outside_the_form_is_not_kept(
    make_community: Any, person: Any, kept: Any
) -> None:
    make_community("anxiety")
    shaped = "a" * 64
    written = start_thread(person("shape_writer"), body=f"A long word {shaped} in a post")
    path = f"/t/{written.thread.pk}/"
    visit(path)
    assert visit(path)[1] > 1
    assert kept.hits == 0


def test_a_failed_count_never_fails_the_write_and_empties_the_kept_pages(
    make_community: Any, person: Any, kept: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db.utils import InterfaceError

    make_community("anxiety")
    writer = person("count_writer")
    written = start_thread(writer, body="Before the hiccup")
    path = f"/t/{written.thread.pk}/"
    visit(path)
    visit(path)
    assert len(kept) == 1
    start = pagecache.generation()

    def counter_fails(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("UPDATE core_writegeneration"):
            raise InterfaceError("connection already closed")
        return execute(sql, params, many, context)

    with (
        caplog.at_level("WARNING", logger="alongside.core.pagecache"),
        connection.execute_wrapper(counter_fails),
    ):
        reply = reply_to(writer, written.thread, body="Written while the counter failed")
    assert reply.post.pk  # the write went through
    assert pagecache.generation() == start  # not counted ...
    assert len(kept) == 0  # ... so this process dropped what it kept
    assert "write generation not counted" in caplog.text
    assert "Written while the counter failed" in visit(path)[0]

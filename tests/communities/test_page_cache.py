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
from tests.communities.test_pages import _without_form_values, reply_to, start_thread

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture
def kept(settings: Any) -> Any:
    """The page cache on, empty, with its counter row (a transactional test's flush empties
    every table, the data migration's row included)."""
    from alongside.core.models import WriteGeneration

    settings.PAGE_CACHE_ENTRIES = 64
    settings.PAGE_CACHE_SECONDS = 60
    settings.STAFF_MFA_REQUIRED = False
    for row in (pagecache.EVERY, pagecache.SITE):
        WriteGeneration.objects.get_or_create(id=row)
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
    assert (pagecache.written_table(sql) is not None) is counts


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
    [
        "reply",
        "edit",
        "reaction",
        "author_delete",
        "moderator_warning",
        "moderator_removal",
        "members_only",
        "raw_sql",
    ],
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
    elif change == "reaction":
        from alongside.communities import access, services

        _thread, place = access.get_thread_for(moderator.actor, written.thread.pk)
        assert "reaction__count" not in before
        services.reaction_add(actor=moderator.actor, post=reply.post, place=place, kind="hug")
        assert 'reaction__count">1<' in visit(path)[0]
    elif change == "author_delete":
        deleted = writer.post(f"/p/{reply.post.pk}/delete/")
        assert deleted.status_code == 303
        page = visit(path)[0]
        assert "An early reply" not in page and "deleted by its author" in page
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


# --- scopes: one thread's own writes leave the other threads' pages kept (decision 0023) --------


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('SELECT "communities_post"."id" FROM "communities_post"', None),
        ('INSERT INTO "communities_post" ("body") VALUES (%s)', "communities_post"),
        ('UPDATE "Communities_Thread" SET "locked" = true', "communities_thread"),
        ('UPDATE "django_session" SET "expire_date" = %s', None),
        ("INSERT INTO core_scopegeneration (scope, value) VALUES (%s, 1)", None),
        ('WITH x AS (SELECT 1) UPDATE "communities_post" SET "body" = %s', pagecache.UNKNOWN_TABLE),
        ("TRUNCATE communities_post", pagecache.UNKNOWN_TABLE),
    ],
)
def test_which_table_a_statement_writes(sql: str, table: str | None) -> None:
    assert pagecache.written_table(sql) == table


def two_threads(person: Any) -> tuple[Any, Any, Any]:
    """Two kept thread pages and a member who already replied in the first (joining a
    community on a first reply is a write for the whole site)."""
    writer, replier = person("scope_writer"), person("scope_replier")
    one = start_thread(writer, title="The first thread", body="Words of the first thread")
    two = start_thread(writer, title="The second thread", body="Words of the second thread")
    reply_to(replier, one.thread, body="A first reply")
    for thread in (one.thread, two.thread):
        visit(f"/t/{thread.pk}/")
        assert visit(f"/t/{thread.pk}/")[1] == 1  # kept
    return replier, one.thread, two.thread


def test_a_threads_own_writes_leave_other_threads_pages_kept(
    make_community: Any, person: Any, kept: Any
) -> None:
    from alongside.communities import access, services
    from alongside.communities.models import Post

    make_community("anxiety")
    replier, one, two = two_threads(person)
    every, site = pagecache.generation(), pagecache.scope_generation("thread:0")
    reply = reply_to(replier, one, body="A later reply in the first thread")
    _thread, place = access.get_thread_for(replier.actor, one.pk)
    opening = Post.objects.get(thread=one, is_opening=True)
    services.reaction_add(actor=replier.actor, post=opening, place=place, kind="hug")
    services.bookmark_set(actor=replier.actor, thread=one, on=True)
    edited = replier.post(f"/p/{reply.post.pk}/edit/", {"body": "An edited later reply"})
    assert edited.status_code == 303

    page_two, queries = visit(f"/t/{two.pk}/")
    assert queries == 1  # the second thread's page is still the kept one
    assert "Words of the second thread" in page_two
    page_one, queries = visit(f"/t/{one.pk}/")
    assert queries > 1 and "An edited later reply" in page_one
    assert 'reaction__count">1<' in page_one
    # The site's counter did not move; the counter of every write did (a page showing
    # several threads would key on it).
    assert pagecache.scope_generation("thread:0") == site
    assert (pagecache.generation() or 0) > (every or 0)


def test_a_reply_held_for_review_leaves_other_threads_pages_kept(
    make_community: Any, person: Any, kept: Any
) -> None:
    from alongside.communities.models import Status
    from alongside.moderation.models import Item
    from alongside.moderation.services import watched_word_set

    make_community("anxiety")
    moderator = person("held_mod")
    watched_word_set(actor=moderator.actor, community="", pattern="holdmeword", action="hold")
    replier, one, two = two_threads(person)
    held = reply_to(replier, one, body="A reply with holdmeword in it, for review")
    assert held.post.status == Status.HELD
    assert Item.objects.filter(target_id=str(held.post.pk)).exists()  # the queue was written
    assert visit(f"/t/{two.pk}/")[1] == 1  # still kept
    page_one, _queries = visit(f"/t/{one.pk}/")
    assert "holdmeword" not in page_one and "A first reply" in page_one


@pytest.mark.parametrize("write", ["new_tag", "other_table", "nested_scope", "outside_scope"])
def test_writes_beyond_a_threads_own_rows_count_for_every_thread(
    write: str, make_community: Any, person: Any, kept: Any
) -> None:
    from alongside.communities import services
    from alongside.communities.models import Community, Post

    make_community("anxiety")
    replier, one, two = two_threads(person)
    opening = Post.objects.filter(thread=one, is_opening=True)
    if write == "new_tag":  # a tag row is not one thread's
        reply_to(replier, one, body="A reply with a tag never seen before #brandnewtag")
    elif write == "other_table":
        with services.thread_writes(one.pk):
            Community.objects.filter(slug="anxiety").update(name="Anxiety and worry")
    elif write == "nested_scope":
        with services.thread_writes(one.pk), services.thread_writes(two.pk + 1000):
            opening.update(body_html="<p>Changed under two scopes</p>")
    else:
        opening.update(body_html="<p>Changed outside any scope</p>")
    assert visit(f"/t/{two.pk}/")[1] > 1  # rendered again


def test_a_page_of_no_scope_is_rendered_again_after_any_threads_write(
    make_community: Any, person: Any, kept: Any, rf: Any
) -> None:
    """A page showing several threads (kept with the bare decorator) must see a write that
    a thread's block confined: it keys on the counter of every write."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    make_community("anxiety")
    replier, one, _two = two_threads(person)
    rendered: list[int] = []

    @pagecache.anonymous_page
    def listing(request: Any) -> HttpResponse:
        rendered.append(1)
        return HttpResponse(f"<p>{len(rendered)}</p>")

    def get() -> str:
        request = rf.get("/a-listing/")
        request.user = AnonymousUser()
        return listing(request).content.decode()

    assert get() == get() == "<p>1</p>"  # the second is the kept page
    reply_to(replier, one, body="A reply a listing would count")
    assert get() == "<p>2</p>"


def test_a_scopes_counter_moves_once_per_transaction_and_not_on_rollback(
    make_community: Any, person: Any, kept: Any
) -> None:
    from alongside.communities import services
    from alongside.communities.models import Post

    make_community("anxiety")
    written = start_thread(person("count_scope_writer"))
    scope = services.thread_scope(written.thread.pk)
    posts = Post.objects.filter(pk=written.post.pk)
    start = pagecache.scope_generation(scope)
    assert start is not None
    with services.thread_writes(written.thread.pk), transaction.atomic():
        posts.update(body_html="<p>One</p>")
        posts.update(body_html="<p>Two</p>")
    after = pagecache.scope_generation(scope)
    assert after == (start[0], start[1] + 1)
    try:
        with services.thread_writes(written.thread.pk), transaction.atomic():
            posts.update(body_html="<p>Three</p>")
            raise RuntimeError
    except RuntimeError:
        pass
    assert pagecache.scope_generation(scope) == after


def test_a_scope_is_a_short_name() -> None:
    with pytest.raises(ValueError, match="a scope is"), pagecache.writes_within("", frozenset()):
        pass
    with (
        pytest.raises(ValueError, match="a scope is"),
        pagecache.writes_within("x" * 101, frozenset()),
    ):
        pass


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

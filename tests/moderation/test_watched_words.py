"""Watched words: kept by moderators (site-wide or per community), applied by screening."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.communities.conftest import Api
from tests.moderation.conftest import trusted

pytestmark = pytest.mark.django_db


def _add(person: Api, pattern: str, action: str, extra: str = "", community: str = "") -> Any:
    return person.post(
        "/api/v1/moderation/watched-words",
        {"community": community, "pattern": pattern, "action": action, "extra": extra},
    )


def test_block_censor_and_warn_words_apply_to_new_posts_at_once(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    mod = moderator()
    assert _add(mod, "bannedword", "block").status_code == 201
    assert _add(mod, "darn", "censor").status_code == 201
    assert _add(mod, "funeral", "warn", extra="grief").status_code == 201
    writer = trusted(api())
    refused = writer.thread_response(body="This has bannedword in it.")
    assert refused.status_code == 422 and refused.json()["code"] == "blocked"
    thread = writer.thread(body="Darn it, the funeral is on Friday.")
    post = api().get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"][0]
    assert "Darn" not in post["body"] and "■■■■ it" in post["body"]
    assert [t["slug"] for t in post["content_warning"]["topics"]] == ["grief"]


def test_a_communitys_words_apply_only_there_and_only_its_moderators_keep_them(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    make_community("grief")
    local = moderator(community="grief")
    assert _add(local, "casserole", "hold", community="grief").status_code == 201
    assert _add(local, "casserole", "hold", community="anxiety").status_code == 404
    assert _add(local, "casserole", "hold").status_code == 404  # the site list
    assert _add(api(), "casserole", "hold", community="grief").status_code == 404
    writer = trusted(api())
    held = writer.thread("grief", body="Someone brought a casserole.")
    free = writer.thread("anxiety", body="Someone brought a casserole.")
    reader = api()
    assert reader.get(f"/api/v1/threads/{held['id']}").status_code == 404
    assert reader.get(f"/api/v1/threads/{free['id']}").status_code == 200


def test_import_reports_bad_lines_and_export_reads_back(moderator: Callable[..., Api]) -> None:
    mod = moderator()
    result = mod.post(
        "/api/v1/moderation/watched-words/import",
        {"text": "# a comment\nspam*,flag\nnot a valid line\nfree money,hold\n"},
    )
    assert result.status_code == 200
    assert result.json()["added"] == 2 and result.json()["problems"][0]["line"] == 3
    exported = mod.get("/api/v1/moderation/watched-words/export")
    assert exported.status_code == 200 and "free money,hold" in exported.content.decode()
    listed = mod.get("/api/v1/moderation/watched-words").json()["items"]
    word = next(w for w in listed if w["pattern"] == "free money")
    assert mod.delete(f"/api/v1/moderation/watched-words/{word['id']}").status_code == 204
    assert len(mod.get("/api/v1/moderation/watched-words").json()["items"]) == 1


def test_the_watched_words_page_adds_imports_and_removes_without_javascript(
    moderator: Callable[..., Api],
) -> None:
    mod = moderator()
    page = mod.client.get("/mod/watched-words/")
    assert page.status_code == 200 and b'<label for="pattern">' in page.content
    added = mod.client.post("/mod/watched-words/", {"pattern": "scam", "action": "flag"})
    assert added.status_code == 303
    bad = mod.client.post("/mod/watched-words/", {"pattern": "scam", "action": "explode"})
    assert bad.status_code == 422
    assert b"scam" in mod.client.get("/mod/watched-words/export/").content

"""The fragment memo renders exactly what the template would, per reader."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory
from django.utils import translation

from alongside.core.fragments import CSRF_PLACEHOLDER, FragmentMemo, with_csrf

TEMPLATE = "communities/_author.html"


def _author(name: str, *, is_me: bool = False, anonymous: bool = False) -> dict[str, Any]:
    return {"author": {"name": name, "is_me": is_me, "anonymous": anonymous}}


def test_a_hit_is_the_html_the_template_renders() -> None:
    from django.template.loader import render_to_string

    memo = FragmentMemo()
    context = _author("Ash")
    first = memo.render(TEMPLATE, context)
    second = memo.render(TEMPLATE, context)
    assert first == second == render_to_string(TEMPLATE, context)
    assert (memo.hits, memo.misses) == (1, 1)


def test_readers_who_differ_get_their_own_html() -> None:
    memo = FragmentMemo()
    mine = memo.render(TEMPLATE, _author("Anonymous member", is_me=True, anonymous=True))
    theirs = memo.render(TEMPLATE, _author("Anonymous member", anonymous=True))
    assert "you, posted anonymously" in mine
    assert "you" not in theirs.replace("Anonymous member", "")
    assert memo.hits == 0


def test_language_is_part_of_the_key() -> None:
    memo = FragmentMemo()
    context = _author("Ash", is_me=True)
    english = memo.render(TEMPLATE, context)
    with translation.override("zh-hans"):
        chinese = memo.render(TEMPLATE, context)
    assert english != chinese
    assert memo.hits == 0


def test_the_memo_is_bounded() -> None:
    memo = FragmentMemo(max_entries=3)
    for n in range(10):
        memo.render(TEMPLATE, _author(f"member {n}"))
    assert len(memo) == 3


def test_one_csrf_token_per_response() -> None:
    request = RequestFactory().get("/")
    html = f'<input value="{CSRF_PLACEHOLDER}"><input value="{CSRF_PLACEHOLDER}">'
    first = with_csrf(request, html)
    second = with_csrf(request, html)
    assert CSRF_PLACEHOLDER not in first
    token = first.split('"')[1]
    assert len(token) == 64
    assert first == second == f'<input value="{token}"><input value="{token}">'

"""Watched words: whole-word, case/width-insensitive, obfuscation-tolerant, never a regex."""

from __future__ import annotations

import pytest

from alongside.moderation.watchwords import (
    InvalidEntry,
    WatchEntry,
    WatchList,
    export,
    parse_import,
)


def matched(watch: WatchList, text: str) -> list[str]:
    return [text[hit.start : hit.end] for hit in watch.match(text)]


@pytest.fixture
def watch() -> WatchList:
    return WatchList.compile(
        [
            ("free money", "hold"),
            ("spam*", "flag"),
            ("darn", "censor"),
            ("微信", "flag"),
            ("crypto", "link", "/help/scams"),
            ("gambling", "warn", "Gambling"),
        ]
    )


def test_phrase_matches_across_case_width_spacing_and_leet(watch: WatchList) -> None:
    for text in ["FREE money", "free   money", "Ｆｒｅｅ money", "fr33 m0ney", "f.r.e.e money"]:
        assert matched(watch, text) == [text], text


def test_whole_words_only(watch: WatchList) -> None:
    assert matched(watch, "freedom money") == []
    assert matched(watch, "undarned") == []


def test_wildcard_matches_word_endings(watch: WatchList) -> None:
    assert matched(watch, "spammer and spamming") == ["spammer", "spamming"]


def test_stretched_letters_and_separators(watch: WatchList) -> None:
    assert matched(watch, "daaaarn d-a-r-n") == ["daaaarn", "d-a-r-n"]


def test_chinese_matches_inside_a_sentence(watch: WatchList) -> None:
    assert matched(watch, "加我微信吧") == ["微信"]


def test_hits_carry_action_and_extra(watch: WatchList) -> None:
    [hit] = watch.match("crypto tips")
    assert (hit.action, hit.extra, hit.pattern) == ("link", "/help/scams", "crypto")


def test_censor_replaces_only_censor_hits(watch: WatchList) -> None:
    assert watch.censor("darn, free money") == "■■■■, free money"


def test_regex_syntax_is_literal() -> None:
    watch = WatchList.compile([("a.b(c)+", "flag")])
    assert watch.match("aXbccc") == []
    assert len(watch.match("a.b(c)+ here")) == 1


@pytest.mark.parametrize(
    ("pattern", "action", "extra"),
    [
        ("", "flag", ""),
        ("*", "flag", ""),
        ("****a", "flag", ""),
        ("x" * 101, "flag", ""),
        ("word", "delete", ""),
        ("word", "link", "javascript:alert(1)"),
        ("word", "warn", ""),
    ],
)
def test_invalid_entries_are_refused(pattern: str, action: str, extra: str) -> None:
    with pytest.raises(InvalidEntry):
        WatchList.compile([(pattern, action, extra)])


def test_import_reports_bad_lines_and_keeps_the_good() -> None:
    entries, problems = parse_import(
        "# a comment\nfree money,hold\nonly-one-field\n"
        '"a, b",warn,Violence\nx,zap\nfree money,hold\n'
    )
    assert entries == [WatchEntry("free money", "hold"), WatchEntry("a, b", "warn", "Violence")]
    assert [p.line for p in problems] == [3, 5, 6]


def test_import_reads_json() -> None:
    entries, problems = parse_import('[{"pattern": "Spam*", "action": "flag"}, 3]')
    assert entries == [WatchEntry("spam*", "flag")]
    assert [p.line for p in problems] == [2]


def test_export_round_trips() -> None:
    original = [WatchEntry("a, b", "warn", 'Say "no"'), WatchEntry("spam*", "flag")]
    entries, problems = parse_import(export(original))
    assert entries == original and problems == []


def test_match_never_raises_on_odd_text(watch: WatchList) -> None:
    for text in ["", "\ud800", "\u200b" * 10, "■" * 5]:
        assert isinstance(watch.match(text), list)

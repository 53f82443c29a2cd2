"""Simplified Chinese: the catalogue is complete, and the compiled .mo matches the .po."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import alongside

LOCALE = Path(alongside.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
_KEYWORD = re.compile(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?|msgctxt)\s+(".*")$')


def read_po(path: Path) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, ""
        elif line.startswith("#,"):
            current["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"'):
            current[key] = str(current[key]) + ast.literal_eval(line)
    return entries


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    entries = [e for e in read_po(LOCALE / "django.po") if e.get("msgid")]
    assert len(entries) > 200
    untranslated = [
        e["msgid"] for e in entries if not all(v for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert untranslated == []
    assert [e["msgid"] for e in entries if e.get("fuzzy")] == []


def test_compiled_catalogue_matches_the_source() -> None:
    with (LOCALE / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for entry in read_po(LOCALE / "django.po"):
        msgid = str(entry.get("msgid", ""))
        if not msgid or "msgid_plural" in entry:
            continue
        assert catalog.gettext(msgid) == entry["msgstr"], msgid

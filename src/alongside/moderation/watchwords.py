"""Watched words: a pure matcher for the word lists moderators keep (site-wide, per community).

An entry is ``(pattern, action, extra)``:

- ``pattern``: a word or phrase; ``*`` stands for up to 30 letters (``spam*``, ``*coin``).
  Nothing else is special: a pattern is never a user regular expression, everything else is
  escaped. Matching is whole-word (except for Chinese, which has no spaces), case- and
  width-insensitive, and tolerant of simple obfuscation: leetspeak (``fr33``), separators
  inside a word (``f.r.e.e``, ``f-r-e-e``, ``f*r*e*e``), stretched letters (``freeeee``).
- ``action``: ``block`` (refuse the text), ``hold`` (keep it for approval), ``flag`` (publish
  and queue), ``censor`` (publish with the word replaced by ■), ``warn`` (add ``extra`` as a
  content warning), ``link`` (show the resource at ``extra`` next to the text).

The moderation app stores entries; this module compiles, matches, censors, imports and exports.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from alongside.moderation.screening.text import forms

WATCH_ACTIONS: tuple[str, ...] = ("block", "hold", "flag", "censor", "warn", "link")
PATTERN_MAX = 100
EXTRA_MAX = 500
WILDCARDS_MAX = 3
IMPORT_MAX_ENTRIES = 5000
CENSOR_MARK = "■"

_WORD = r"[^\W_]"
_SEPARATORS = "._*~|-'"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# Characters dropped from the squeezed form: separators inside a word (f.r.e.e, f-r-e-e).
_SQUEEZE = re.compile(r"(?<=[^\W_])[._*~|'-](?=[^\W_])")


@dataclass(frozen=True)
class WatchEntry:
    pattern: str
    action: str
    extra: str = ""


@dataclass(frozen=True)
class WatchHit:
    pattern: str
    action: str
    start: int
    end: int
    extra: str = ""


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str


class InvalidEntry(ValueError):
    pass


def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` without in-word separators, and the index of each kept character in
    ``text``. Linear: one regex pass, slices between its matches."""
    parts: list[str] = []
    index: list[int] = []
    last = 0
    for found in _SQUEEZE.finditer(text):
        start, end = found.span()
        parts.append(text[last:start])
        index.extend(range(last, start))
        last = end
    parts.append(text[last:])
    index.extend(range(last, len(text)))
    return "".join(parts), index


def clean_pattern(pattern: str) -> str:
    """The stored form of a pattern, or :class:`InvalidEntry` with a reason."""
    if not isinstance(pattern, str):
        raise InvalidEntry("pattern must be text")
    folded = " ".join(forms(pattern).plain.split())
    if not folded:
        raise InvalidEntry("pattern is empty")
    if len(folded) > PATTERN_MAX:
        raise InvalidEntry(f"pattern is longer than {PATTERN_MAX} characters")
    if folded.count("*") > WILDCARDS_MAX:
        raise InvalidEntry(f"use at most {WILDCARDS_MAX} wildcards")
    if not re.search(_WORD, folded.replace("*", "")):
        raise InvalidEntry("pattern needs at least one letter or digit")
    return folded


def clean_entry(pattern: str, action: str, extra: str = "") -> WatchEntry:
    action = (action or "").strip().lower()
    if action not in WATCH_ACTIONS:
        raise InvalidEntry(f"action must be one of {', '.join(WATCH_ACTIONS)}")
    extra = (extra or "").strip()
    if len(extra) > EXTRA_MAX:
        raise InvalidEntry(f"extra is longer than {EXTRA_MAX} characters")
    if action == "link" and not (extra.startswith("/") or extra.startswith("https://")):
        raise InvalidEntry("a link entry needs a resource address (/path or https://…)")
    if action == "warn" and not extra:
        raise InvalidEntry("a warn entry needs the content warning text")
    return WatchEntry(clean_pattern(pattern), action, extra)


def _runs(chunk: str) -> str:
    """Each run of a letter as "at least that many" (stretched letters: ``freeeee``), made
    possessive so that it never backtracks (adjacent runs differ, so nothing is lost)."""
    return "".join(
        f"{re.escape(char)}{{{len(list(run))},}}+" for char, run in itertools.groupby(chunk)
    )


def _regex(pattern: str) -> re.Pattern[str]:
    """A linear regex for a cleaned pattern, to run over the squeezed leet form of a text."""
    pieces = []
    for word in pattern.split(" "):
        if not word:
            continue
        chunks = [_runs(_squeeze(forms(chunk).leet)[0]) for chunk in word.split("*")]
        pieces.append(f"{_WORD}{{0,30}}".join(chunks))
    body = r"[\W_]{1,5}".join(pieces)
    if _CJK.search(pattern):
        return re.compile(body)
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])")


@dataclass(frozen=True)
class _Compiled:
    entry: WatchEntry
    regex: re.Pattern[str]


class WatchList:
    """Compiled entries. Build once per list version and reuse (compiling is the slow part)."""

    def __init__(self, compiled: Sequence[_Compiled]) -> None:
        self._compiled = tuple(compiled)

    @classmethod
    def compile(
        cls, entries: Iterable[WatchEntry | tuple[str, str] | tuple[str, str, str]]
    ) -> WatchList:
        """Compile entries; an invalid entry raises :class:`InvalidEntry` naming it."""
        compiled = []
        for raw in entries:
            entry = raw if isinstance(raw, WatchEntry) else WatchEntry(*raw)
            try:
                clean = clean_entry(entry.pattern, entry.action, entry.extra)
            except InvalidEntry as exc:
                raise InvalidEntry(f"{entry.pattern!r}: {exc}") from None
            compiled.append(_Compiled(clean, _regex(clean.pattern)))
        return cls(compiled)

    def __len__(self) -> int:
        return len(self._compiled)

    def match(self, text: str) -> list[WatchHit]:
        """Every hit in ``text`` (spans index the original text), in order of position."""
        if not isinstance(text, str) or not text or not self._compiled:
            return []
        folded = forms(text)
        squeezed, squeeze_index = _squeeze(folded.leet)
        hits = []
        for item in self._compiled:
            for found in item.regex.finditer(squeezed):
                start, end = found.span()
                if end <= start:
                    continue
                o_start, o_end = folded.span(squeeze_index[start], squeeze_index[end - 1] + 1)
                hits.append(
                    WatchHit(
                        item.entry.pattern, item.entry.action, o_start, o_end, item.entry.extra
                    )
                )
        hits.sort(key=lambda hit: (hit.start, -hit.end, WATCH_ACTIONS.index(hit.action)))
        return hits

    def censor(self, text: str) -> str:
        """``text`` with every ``censor`` hit's letters replaced by ■ (spaces kept)."""
        spans = [(hit.start, hit.end) for hit in self.match(text) if hit.action == "censor"]
        if not spans:
            return text
        out = []
        last = 0
        for span_start, end in sorted(spans):
            start = max(span_start, last)
            if end <= start:
                continue
            out.append(text[last:start])
            out.append("".join(c if c.isspace() else CENSOR_MARK for c in text[start:end]))
            last = end
        out.append(text[last:])
        return "".join(out)


# --- import / export ---------------------------------------------------------------------


def parse_import(text: str) -> tuple[list[WatchEntry], list[ImportProblem]]:
    """Entries from a JSON list (``[{"pattern", "action", "extra"?}, …]``) or from lines of
    ``pattern,action[,extra]`` (CSV quoting; ``#`` starts a comment line). Bad lines are
    reported with their number and skipped; duplicates keep the first."""
    entries: list[WatchEntry] = []
    problems: list[ImportProblem] = []
    seen: set[tuple[str, str]] = set()

    def add(line: int, pattern: object, action: object, extra: object) -> None:
        if len(entries) >= IMPORT_MAX_ENTRIES:
            problems.append(ImportProblem(line, f"more than {IMPORT_MAX_ENTRIES} entries"))
            return
        try:
            entry = clean_entry(
                pattern if isinstance(pattern, str) else "",
                action if isinstance(action, str) else "",
                extra if isinstance(extra, str) else "",
            )
        except InvalidEntry as exc:
            problems.append(ImportProblem(line, str(exc)))
            return
        if (entry.pattern, entry.action) in seen:
            problems.append(ImportProblem(line, "duplicate entry"))
            return
        seen.add((entry.pattern, entry.action))
        entries.append(entry)

    if not isinstance(text, str):
        return [], [ImportProblem(0, "the import must be text")]
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            return [], [ImportProblem(0, "not valid JSON")]
        if not isinstance(data, list):
            return [], [ImportProblem(0, "JSON must be a list of entries")]
        for number, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                problems.append(ImportProblem(number, "each entry is an object"))
                continue
            add(number, item.get("pattern"), item.get("action"), item.get("extra", ""))
        return entries, problems
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = next(csv.reader([line]))
        except csv.Error:
            problems.append(ImportProblem(number, "cannot read this line"))
            continue
        if len(row) < 2 or len(row) > 3:
            problems.append(ImportProblem(number, "write pattern,action[,extra]"))
            continue
        add(number, row[0], row[1], row[2] if len(row) == 3 else "")
    return entries, problems


def export(entries: Iterable[WatchEntry | tuple[str, str] | tuple[str, str, str]]) -> str:
    """Entries as CSV lines that :func:`parse_import` reads back."""
    buffer = io.StringIO()
    buffer.write("# pattern,action,extra\n")
    writer = csv.writer(buffer, lineterminator="\n")
    for raw in entries:
        entry = raw if isinstance(raw, WatchEntry) else WatchEntry(*raw)
        row = [entry.pattern, entry.action]
        if entry.extra:
            row.append(entry.extra)
        writer.writerow(row)
    return buffer.getvalue()

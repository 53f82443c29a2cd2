"""Lexicon rules from ``data/rules.toml``: compiled once, matched with context rules.

Context rules cancel a match that is not the writer doing the harm (see the data file):
quoting, reported speech, negation, recovery talk. They look at a bounded window before (and
for recovery, after) the match, so the work per match is constant and the scan stays linear.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from alongside.moderation.screening.text import Forms


def gettext_noop(message: str) -> str:
    """Marks a message for translation (picked up by makemessages); the caller translates."""
    return message


#: Messages shown to a writer whose text is blocked. Calm, without echoing what was matched.
MESSAGES: dict[str, str] = {
    "self_harm_incitement": gettext_noop(
        "This wasn't posted: it seems to tell someone to harm themselves. If you're angry or "
        "hurting, you can take a break or talk to someone. If you were quoting what someone "
        "said to you, you can report it to the moderators instead."
    ),
    "default": gettext_noop(
        "This wasn't posted because it goes against the community guidelines. You can edit it "
        "and try again."
    ),
}

WINDOW_BEFORE = 80
WINDOW_SENTENCE = 160
_CLAUSE_END = re.compile(r"[.!?;\n。！？；]")
_REPORTED = re.compile(
    r"\b(?:told|tell|tells|telling|called|calls|calling|said|says|saying|wrote|writes|texted|"
    r"messaged|yelled|screamed|shouted|commented|replied|posted|dm'?d|heard)\b"
    r"|他说|她说|他们说|有人说|骂我|对我说|说我|告诉我"
)
_NEGATED = re.compile(
    r"\b(?:don'?t|do\s+not|never|not|no\s+one\s+should|shouldn'?t|won'?t|wouldn'?t|didn'?t|"
    r"doesn'?t|isn'?t|please\s+don'?t|would\s+never|stop\s+telling|without)\b"
    r"|不要|别|不会|不能|没有|从不|千万别"
)
_RECOVERY = re.compile(
    r"\b(?:recover\w*|relaps\w*|used\s+to|triggered|triggering|therapist|treatment|stay\s+away|"
    r"avoid\w*|unfollow\w*|report\w*|harmful|dangerous|toxic|healing|heal|clean\s+for|"
    r"years?\s+free|days?\s+free|warning|beware)\b"
    r"|康复|恢复|远离|举报|治疗|戒掉|走出来"
)
#: Enough evidence for a moderator; bounds the work on texts that repeat a phrase thousands
#: of times.
MAX_MATCHES_PER_RULE = 20
CONTEXTS = ("quoted", "reported", "negated", "recovery")


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern, shaped for speed on long texts.

    A leading ``\\b`` is checked here rather than by ``re``: a pattern that starts with a
    literal or a character set lets ``re`` skip ahead to candidate positions, one that starts
    with ``\\b`` makes it try a match at every position (five to ten times slower on 100 kB).
    ``needs`` lists literals of which every match contains one; plain ``in`` tests spare the
    regex pass over texts that cannot match.
    """

    regex: re.Pattern[str]
    boundary: bool
    needs: tuple[str, ...]

    def finditer(self, subject: str) -> Iterator[re.Match[str]]:
        if self.needs and not any(literal in subject for literal in self.needs):
            return
        position, length = 0, len(subject)
        while position <= length:
            hit = self.regex.search(subject, position)
            if hit is None:
                return
            start = hit.start()
            if self.boundary and not _at_boundary(subject, start):
                position = start + 1
                continue
            yield hit
            position = hit.end() if hit.end() > start else start + 1


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _at_boundary(subject: str, index: int) -> bool:
    before = index > 0 and _is_word(subject[index - 1])
    after = index < len(subject) and _is_word(subject[index])
    return before != after


def _pattern(entry: str | Mapping[str, Any], rule_id: str) -> Pattern:
    needs: tuple[str, ...] = ()
    if isinstance(entry, str):
        source = entry
    else:
        source, needs = str(entry["re"]), tuple(str(n) for n in entry["needs"])
    boundary = source.startswith("\\b")
    regex = re.compile(source[2:] if boundary else source, re.MULTILINE)
    if any(not literal or literal != literal.lower() for literal in needs):
        raise ValueError(f"rule {rule_id}: needs are non-empty folded (lower case) literals")
    return Pattern(regex, boundary, needs)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: int
    action: str
    form: str
    patterns: tuple[Pattern, ...]
    context: frozenset[str]
    message: str


def _clause_before(plain: str, start: int) -> str:
    window = plain[max(0, start - WINDOW_BEFORE) : start]
    cut = None
    for found in _CLAUSE_END.finditer(window):
        cut = found.end()
    return window[cut:] if cut is not None else window


def _quoted(plain: str, start: int) -> bool:
    line_start = plain.rfind("\n", max(0, start - 400), start) + 1
    if line_start == 0 and start > 400:
        line_start = start - 400
    line = plain[line_start:start]
    if line.lstrip().startswith(">"):
        return True
    if line.count('"') % 2 == 1:
        return True
    return line.count("「") > line.count("」") or line.count("“") > line.count("”")


def _recovery(plain: str, start: int, end: int) -> bool:
    before = plain[max(0, start - WINDOW_SENTENCE) : start]
    after = plain[end : end + WINDOW_SENTENCE]
    stop = _CLAUSE_END.search(after)
    after = after[: stop.start()] if stop else after
    cut = None
    for found in _CLAUSE_END.finditer(before):
        cut = found.end()
    before = before[cut:] if cut is not None else before
    return bool(_RECOVERY.search(before) or _RECOVERY.search(after))


def cancelled(rule: Rule, plain: str, start: int, end: int) -> bool:
    """Whether a context rule of ``rule`` says this match is not the writer doing harm."""
    if not rule.context:
        return False
    if "quoted" in rule.context and _quoted(plain, start):
        return True
    clause = _clause_before(plain, start) if rule.context & {"reported", "negated"} else ""
    if "reported" in rule.context and _REPORTED.search(clause):
        return True
    if "negated" in rule.context and _NEGATED.search(clause):
        return True
    return "recovery" in rule.context and _recovery(plain, start, end)


def _compile(entry: Mapping[str, Any], kinds: Sequence[str], actions: Sequence[str]) -> Rule:
    rule_id = str(entry["id"])
    kind = str(entry["kind"])
    action = str(entry["action"])
    severity = int(entry["severity"])
    form = str(entry.get("form", "plain"))
    context = frozenset(entry.get("context", ()))
    if kind not in kinds or action not in actions or not 1 <= severity <= 5:
        raise ValueError(f"rule {rule_id}: bad kind, action or severity")
    if form not in {"plain", "leet"} or not context <= set(CONTEXTS):
        raise ValueError(f"rule {rule_id}: bad form or context")
    message = str(entry.get("message", "default" if action == "block" else ""))
    if message and message not in MESSAGES:
        raise ValueError(f"rule {rule_id}: unknown message {message!r}")
    patterns = tuple(_pattern(p, rule_id) for p in entry["patterns"])
    return Rule(rule_id, kind, severity, action, form, patterns, context, message)


@cache
def lexicon_rules() -> tuple[Rule, ...]:
    from alongside.moderation.screening import ACTIONS, KINDS

    data = tomllib.loads(
        resources.files("alongside.moderation.screening")
        .joinpath("data/rules.toml")
        .read_text("utf-8")
    )
    rules = tuple(_compile(entry, KINDS, ACTIONS) for entry in data["rule"])
    ids = [rule.id for rule in rules]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate rule ids in rules.toml")
    return rules


@cache
def heuristics() -> dict[str, Any]:
    return tomllib.loads(
        resources.files("alongside.moderation.screening")
        .joinpath("data/heuristics.toml")
        .read_text("utf-8")
    )


def all_rule_ids() -> list[str]:
    return [rule.id for rule in lexicon_rules()] + list(heuristics()["ids"])


@dataclass(frozen=True)
class Match:
    rule: Rule
    start: int  # in the original text
    end: int


def match_lexicon(forms: Forms, *, kinds: frozenset[str] | None = None) -> list[Match]:
    """Matches of the lexicon rules (of ``kinds``, each kind being one detector; all by
    default), context rules applied."""
    found: list[Match] = []
    for rule in lexicon_rules():
        if kinds is not None and rule.kind not in kinds:
            continue
        subject = forms.leet if rule.form == "leet" else forms.plain
        kept = 0
        for pattern in rule.patterns:
            for hit in pattern.finditer(subject):
                if kept >= MAX_MATCHES_PER_RULE:
                    break
                start, end = hit.span("hit") if "hit" in pattern.regex.groupindex else hit.span()
                if start < 0 or end <= start or cancelled(rule, forms.plain, start, end):
                    continue
                o_start, o_end = forms.span(start, end)
                found.append(Match(rule, o_start, o_end))
                kept += 1
    return found

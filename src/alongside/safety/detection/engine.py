"""``assess(text)``: rules over a normalised text, each match weighed in its context.

How a level comes about (each step is visible in the result):

1. The text is normalised (``normalise.py``) and each rule set whose script is present runs.
2. A rule runs only when one of its keys is in the text (and, when it names them, one of
   its second words: ``also``), and only around the keys, inside their sentence; its
   matches become *hits*. Every key is found by one scan (a trie-shaped pattern), and
   English patterns are scanned in their *led* form (``rules.lead_pattern``): the same
   matches, found faster.
3. Each hit is read in its sentence: an overlapping idiom, a negation that reaches it
   (also across "or"/"nor": "not suicidal or self-harming"; not when an effort against the
   act stands before it, "trying not to…", which shows the urge is there),
   fiction or generic reported speech ("people say…"), second person ("you") or a generic
   subject ("people who…") discount it (it goes to ``discounted`` with the reason).
   Whose words they are (self / other) comes from the nearest subject in the clause (a
   third-person verb after "I"/"me" — "the kid next to me is…" — makes it another's; words
   that only describe the reader's experience — "…all the time sounds exhausting" — are
   second person). A distress phrase (``low``) is not read for time or hypotheticals,
   which could only cap levels above it.
   Hypotheticals ("what if…") cap it at ``moderate``; past tense ("when I was 15",
   "years ago") caps it at ``moderate``, and at ``low`` when the text speaks of recovery
   ("500 days clean"); attempts are ``high`` unless told as distant past.
4. Time, plan, means and preparations (``role = "imminence"``) raise risk evidence near
   them: next to ideation they make ``imminent``, next to hopelessness ``high``. Cues that
   need risk beside them (``requires = "risk"``) count only when it is there, or when two
   different such cues describe a plan together.
5. Distress words and phrases add weights (less for someone else's distress, a text where
   nobody speaks for themselves, or a story of recovery; words of relief subtract); at the
   threshold they make ``low``.
6. Two different warning signs of the writer's own (hopelessness, perceived burden,
   isolation) together make ``high``.
7. The level is the highest hit's; the subject is that hit's (self first on ties); the
   score sits inside the level's band.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from alongside.safety.detection import language
from alongside.safety.detection.normalise import Normalised, normalise
from alongside.safety.detection.normalise import words as text_words
from alongside.safety.detection.result import (
    CATEGORIES,
    LEVELS,
    Evidence,
    RiskResult,
)
from alongside.safety.detection.rules import (
    Context,
    Idiom,
    LanguageRules,
    Rule,
    RuleFileError,
    ruleset,
)

logger = logging.getLogger(__name__)

SURFACES = ("post", "reply", "chat", "journal", "companion", "draft")
_MAX_HITS_PER_RULE = 20
_MAX_HITS_PER_TEXT = 200
#: No rule's match is longer than this (patterns are bounded); used to find containers.
_LONGEST_MATCH = 400
_MAX_KEY_POSITIONS = 64
#: Key occurrences read by the one scan per text; past them (a text made of keys), the rest
#: is searched key by key (``_tail_keys``).
_MAX_KEY_MATCHES = 2_500
_MAX_STRING_KEY_HITS = 300
_LEXICON_SUBJECT_WINDOW = 50
_QUOTE_MARKS = ('"', "「", "」")
_SENTENCE_MARK = re.compile(r"[.!?\n。！？]")
_NOT_SELF_FACTOR = 0.4
_RECOVERY_FACTOR = 0.7
#: Past this much distress weight the level is low whatever relief or damping follows.
_ENOUGH_DISTRESS = 6.0
#: Words of relief can cancel at most this much distress.
_RELIEF_CAP = 1.0
#: Rules are searched within this many characters of a key (a match longer than the
#: window around its key is still found whole: see ``_scan``).
_WINDOW = 160
_MAX_LEXICON_HITS_PER_WORD = 4
_MAX_EVIDENCE = 25
_SENTENCE_WINDOW = 240
_ESCALATION_DISTANCE = 600
#: How far before a negation an effort against the act is looked for ("trying hard not to").
_EFFORT_REACH = 40
_BANDS = {
    "none": (0.0, 0.2),
    "low": (0.2, 0.45),
    "moderate": (0.45, 0.7),
    "high": (0.7, 0.9),
    "imminent": (0.9, 1.0),
}
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_CATEGORY_ORDER = {category: index for index, category in enumerate(CATEGORIES)}


def _cap(level: str, ceiling: str) -> str:
    return level if _RANK[level] <= _RANK[ceiling] else ceiling


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    rule_id: str
    category: str
    level: str
    subject: str = "self"
    modifiers: list[str] = field(default_factory=list)
    discount: str = ""
    by: str = ""
    rule: Rule | None = None
    #: weight towards the distress threshold (lexicon words, distress phrases, mentions)
    weight: float = 0.0

    @property
    def rank(self) -> int:
        return _RANK[self.level]


# --- context ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    clause_start: int
    end: int


def _sentence(
    ctx: Context, text: str, start: int, end: int, windows: _Windows | None = None
) -> _Sentence:
    """The sentence and clause around a match; ``windows`` carries the text's sentence
    boundaries when they were already found (one scan per text instead of one per match)."""
    low = max(0, start - _SENTENCE_WINDOW)
    high = min(len(text), end + _SENTENCE_WINDOW)
    if windows is None:
        sentence_start = low
        for boundary in ctx.sentence_boundary.finditer(text, low, start):
            sentence_start = boundary.end()
        after = ctx.sentence_boundary.search(text, end, high)
        sentence_end = after.start() if after else high
    else:
        starts, ends = windows.bounds, windows.ends
        at = bisect.bisect_left(starts, start)  # boundaries never overlap a match
        sentence_start = max(low, ends[at - 1]) if at else low
        at = bisect.bisect_left(starts, end)
        sentence_end = starts[at] if at < len(starts) and starts[at] < high else high
    clause_start = sentence_start
    for boundary in ctx.clause_boundary.finditer(text, sentence_start, start):
        clause_start = boundary.end()
    return _Sentence(sentence_start, clause_start, sentence_end)


def _search(
    pattern: re.Pattern[str], lead: re.Pattern[str] | None, text: str, start: int, end: int
) -> re.Match[str] | None:
    """``pattern.search(text, start, end)``, found through its ``lead`` form when it has one
    (``rules.lead_pattern``: the same match, scanned for at C speed)."""
    if lead is None:
        return pattern.search(text, start, end)
    if start == 0:
        first = pattern.match(text, 0, end)
        if first is not None:
            return first
        start = 1
    candidate = lead.search(text, start - 1, end)
    return None if candidate is None else pattern.match(text, candidate.start() + 1, end)


def _last(
    pattern: re.Pattern[str],
    text: str,
    start: int,
    end: int,
    lead: re.Pattern[str] | None = None,
) -> re.Match[str] | None:
    """The last of ``pattern``'s matches in ``text[start:end]`` (as ``finditer`` finds them)."""
    found = None
    if lead is None:
        for found in pattern.finditer(text, start, end):  # noqa: B007 - the last is wanted
            pass
        return found
    if start == 0:
        found = pattern.match(text, 0, end)
        start = found.end() if found is not None else 1
    candidate = None
    for candidate in lead.finditer(text, start - 1, end):  # noqa: B007 - the last is wanted
        pass
    if candidate is not None:
        found = pattern.match(text, candidate.start() + 1, end)
    return found


def _inside_quotes(text: str, start: int, end: int) -> int | None:
    """The opening quote before ``end`` in ``text[start:end]`` when the quotes there are
    unbalanced (the match is being quoted), else ``None``."""
    count = sum(text.count(mark, start, end) for mark in _QUOTE_MARKS)
    if count % 2 == 0:
        return None
    return max(text.rfind(mark, start, end) for mark in _QUOTE_MARKS)


def _subject(ctx: Context, text: str, match: re.Match[str], rule: Rule, where: _Sentence) -> str:
    """self / other / second / generic / '' (nobody named)."""
    for name, value in match.groupdict().items():
        if value is not None:
            for subject in ("self", "other", "second"):
                if name.startswith(subject):
                    return subject
    if rule.subject != "context":
        return rule.subject
    leads = ctx.leads
    subject_lead = leads.get("subject")
    marker = _last(ctx.subject, text, where.clause_start, match.start(), subject_lead)
    if marker is None:
        marker = _last(ctx.subject, text, where.start, where.clause_start, subject_lead)
        if ctx.third_person_verb.match(text, match.start()) or _search(
            ctx.third_person_before,
            leads.get("third_person_before"),
            text,
            where.clause_start,
            match.start(),
        ):
            # "…and wants to die": someone else, or people in general
            return "generic" if marker is not None and marker.lastgroup == "generic" else "other"
        if marker is None and ctx.addressed_after.match(text, match.end()):
            # "Thinking about suicide all the time sounds exhausting": the reader's experience
            return "second"
    elif marker.lastgroup == "self" and _search(
        ctx.third_person_before, leads.get("third_person_before"), text, marker.end(), match.start()
    ):
        # "my friend (who I love) is suicidal": "I is" cannot be, so the words are another's
        return "other"
    return marker.lastgroup or "" if marker is not None else ""


def _weigh(
    pack: LanguageRules,
    text: str,
    match: re.Match[str],
    rule: Rule,
    recovery: bool,
    *,
    windows: _Windows | None = None,
) -> _Hit:
    ctx = pack.context
    leads = ctx.leads
    start, end = match.span()
    hit = _Hit(start, end, rule.id, rule.category, rule.level, rule=rule, weight=rule.weight)
    where = _sentence(ctx, text, start, end, windows)
    negation = (
        _search(ctx.negated_before, leads.get("negated_before"), text, where.clause_start, start)
        if rule.negatable
        else None
    )
    if negation is not None and not ctx.negation_released_after.match(text, end):
        if not ctx.negation_effort_before.search(
            text, max(where.clause_start, negation.start() - _EFFORT_REACH), negation.start()
        ):
            hit.discount = "negated"
            return hit
        # "I'm trying not to kill myself": the effort shows the urge is there now; for
        # self-harm that is an urge resisted (moderate), not an act
        hit.modifiers.append("resisting")
        if rule.category == "self_harm":
            hit.level = _cap(hit.level, "moderate")
    fiction = leads.get("fiction")
    if _search(ctx.fiction, fiction, text, where.start, start) or _search(
        ctx.fiction, fiction, text, end, where.end
    ):
        hit.discount = "fiction"
        return hit
    subject = _subject(ctx, text, match, rule, where)
    opening = _inside_quotes(text, where.start, start)
    if opening is not None and not rule.second_person_is_target:
        # quoted words take their speaker from the frame: 'he said "I want to die"'
        speaker = next(ctx.subject.finditer(text, where.start, opening), None)
        if speaker is None or speaker.lastgroup in {"second", "generic"}:
            hit.discount = "reported"
            return hit
        if speaker.lastgroup == "other":
            subject = "other"
    if subject in {"", "generic", "second"} and _search(
        ctx.reported, leads.get("reported"), text, where.start, start
    ):
        hit.discount = "reported"
        return hit
    if subject == "second":
        if not rule.second_person_is_target:
            hit.discount = "second_person"
            return hit
        subject = "other"
    elif rule.second_person_is_target:
        # abuse rules are about a target; "don't kill yourself" was caught by negation above
        subject = "other"
    if subject == "generic":
        hit.discount = "generic"
        return hit
    if subject == "other" and rule.self_only:
        hit.discount = "about_other"
        return hit
    if not subject:
        subject = rule.default_subject
    if subject == "unknown":
        hit.level = _cap(hit.level, "low")
        hit.modifiers.append("no_subject")
        hit.weight = min(rule.weight, 0.5)
    hit.subject = subject
    if hit.level == "low" and not rule.role and not rule.requires:
        return hit  # a distress phrase: hypotheticals and time only ever cap levels above low

    if _search(ctx.hypothetical, leads.get("hypothetical"), text, where.start, start):
        hit.level = _cap(hit.level, "moderate")
        hit.modifiers.append("hypothetical")
    recent_lead = leads.get("recent")
    recent = bool(
        _search(ctx.recent, recent_lead, text, where.start, start)
        or _search(ctx.recent, recent_lead, text, end, where.end)
    )
    distant = bool(
        _search(ctx.past_before, leads.get("past_before"), text, where.start, start)
        or _search(ctx.past_after, leads.get("past_after"), text, end, where.end)
    )
    if recent:
        hit.modifiers.append("recent")
    elif distant:
        hit.level = _cap(hit.level, "moderate")
        hit.modifiers.append("past")
        if recovery and rule.tense == "present":
            hit.level = _cap(hit.level, "low")
    if recovery and not recent and (distant or rule.tense == "past"):
        hit.level = _cap(hit.level, "moderate")
        hit.modifiers.append("recovery")
    return hit


# --- matching -------------------------------------------------------------------------------


def _key_positions(pack: LanguageRules, text: str) -> dict[str, list[int]]:
    """Where each key of the rule set occurs (up to a bound per key).

    English: one scan for every key at once (``LanguageRules.key_lead``, a trie-shaped
    pattern led by the character before a word); a phrase found also places the keys it
    starts with, and the scan goes on from its second word, so keys inside it are seen too.
    Chinese: one search for any key.
    """
    found: dict[str, list[int]] = {}
    if pack.lang == "en":
        prefixes = pack.key_prefixes
        lead = pack.key_lead
        first = pack.key_regex.match(text)  # a key opening the text has no character before
        matches: Iterator[re.Match[str]] = itertools.chain(
            (first,) if first else (), lead.finditer(text)
        )
        budget = _MAX_KEY_MATCHES
        while True:
            resume = -1
            for match in matches:
                words = match.group(1)
                start = match.start(1)
                key = words if words in prefixes else " ".join(words.split())
                for each in prefixes[key]:
                    spots = found.get(each)
                    if spots is None:
                        found[each] = [start]
                    elif len(spots) < _MAX_KEY_POSITIONS:
                        spots.append(start)
                budget -= 1
                space = key.find(" ")
                if space > 0 or budget <= 0:
                    # a phrase: its second word may start another key; or the budget is
                    # spent (a text made of keys), and the rest is searched key by key
                    resume = start + space if space > 0 else match.end()
                    break
            if resume < 0:
                return found
            if budget <= 0:
                _tail_keys(pack, text, resume, found)
                return found
            matches = lead.finditer(text, resume)
    # Chinese: one search for any key (longest first), restarted one character on so that
    # overlapping keys are all seen; a key found also reveals the keys that prefix it.
    position = 0
    for _ in range(_MAX_STRING_KEY_HITS):
        hit = pack.string_key_regex.search(text, position)
        if hit is None:
            return found
        for key in pack.string_key_prefixes[hit.group()]:
            spots = found.setdefault(key, [])
            if len(spots) < _MAX_KEY_POSITIONS:
                spots.append(hit.start())
        position = hit.start() + 1
    rest = set(text[position:])
    for key in pack.string_keys:  # a text full of keys: look for the rest one by one
        if key not in found and key[0] in rest:
            index = text.find(key, position)
            if index != -1:
                found[key] = [index]
    return found


@functools.lru_cache(maxsize=4096)
def _finder(key: str) -> re.Pattern[str]:
    """A literal-first search for one key (a space matches any whitespace run)."""
    return re.compile(r"\s+".join(map(re.escape, key.split())) + r"(?![a-z0-9])")


def _tail_keys(pack: LanguageRules, text: str, start: int, found: dict[str, list[int]]) -> None:
    """The rest of a text whose key budget is spent: every key that occurs there is still
    placed (up to its bound), one literal search per distinct key, so no risk word is lost
    however long the text; the cost is bounded by the number of distinct keys."""
    tail = text_words(text[start:])
    present = set(tail)
    candidates = [key for key in pack.key_prefixes if " " not in key and key in present]
    pairs = set(zip(tail, tail[1:], strict=False))  # noqa: RUF007 - zip runs at C speed
    candidates += [
        key for key in pack.key_prefixes if " " in key and tuple(key.split()[:2]) in pairs
    ]
    for key in candidates:
        spots = found.setdefault(key, [])
        for match in _finder(key).finditer(text, start):
            if len(spots) >= _MAX_KEY_POSITIONS:
                break
            begin = match.start()
            if not (begin and text[begin - 1].isalnum()) and begin not in spots:
                spots.append(begin)
        if not spots:
            del found[key]


class _Windows:
    """Windows around key positions for one text: ``_WINDOW`` characters either side of a key,
    kept inside the key's sentence (``bounds`` are the sentence boundaries), merged. Each
    position's window is worked out once per text, however many rules share the key."""

    def __init__(self, size: int, runs: Sequence[tuple[int, int]]) -> None:
        self.size = size
        #: Where each run of sentence-ending marks starts and ends.
        self.bounds = [start for start, _ in runs]
        self.ends = [end for _, end in runs]
        self.spans: dict[int, tuple[int, int]] = {}
        #: Rules that share their keys share their windows.
        self.merged: dict[tuple[int, ...], list[tuple[int, int]]] = {}

    def span(self, position: int) -> tuple[int, int]:
        low, high = max(0, position - _WINDOW), min(self.size, position + _WINDOW)
        bounds = self.bounds
        if bounds:
            at = bisect.bisect_right(bounds, position)
            if at:
                low = max(low, bounds[at - 1])
            if at < len(bounds):
                high = min(high, bounds[at] + 1)
        self.spans[position] = (low, high)
        return low, high

    def around(self, positions: list[int]) -> list[tuple[int, int]]:
        key = tuple(positions)
        windows = self.merged.get(key)
        if windows is not None:
            return windows
        spans = self.spans
        windows = []
        low = high = -1
        covered = 0
        for position in sorted(positions):
            here = spans.get(position) or self.span(position)
            if here[0] <= high:
                high = max(high, here[1])
            else:
                if high >= 0:
                    windows.append((low, high))
                    covered += high - low
                low, high = here
        windows.append((low, high))
        covered += high - low
        if covered >= self.size * 0.9:
            windows = [(0, self.size)]
        self.merged[key] = windows
        return windows


def _led(
    regex: re.Pattern[str], lead: re.Pattern[str], text: str, low: int, high: int
) -> Iterator[re.Match[str]]:
    """``regex.finditer(text, low, high)`` for a word-bounded English pattern, found with its
    ``lead`` form (``rules.lead_pattern``), which ``re`` scans for at C speed; each match is
    then read by ``regex`` itself, so what matches is exactly what ``finditer`` would give."""
    position = low
    if position == 0:
        first = regex.match(text, 0, high)
        if first is not None:
            yield first
            position = first.end() or 1
        else:
            position = 1
    while position < high:
        candidate = lead.search(text, position - 1, high)
        if candidate is None:
            return
        start = candidate.start() + 1
        match = regex.match(text, start, high)
        if match is None:  # cannot happen: the lead matched the same pattern one char on
            position = start + 1
            continue
        yield match
        position = match.end() if match.end() > start else start + 1


def _scan(
    regex: re.Pattern[str],
    text: str,
    windows: list[tuple[int, int]],
    lead: re.Pattern[str] | None = None,
) -> list[re.Match[str]]:
    """Matches of ``regex`` that start inside the windows (a match cut off by a window's end
    is re-read on the whole text, so windows never change what a match is)."""
    found: list[re.Match[str]] = []
    seen: set[int] = set()
    size = len(text)
    for low, high in windows:
        candidates = (
            regex.finditer(text, low, high) if lead is None else _led(regex, lead, text, low, high)
        )
        for candidate in candidates:
            match: re.Match[str] | None = candidate
            if candidate.end() == high and high < size:
                match = regex.match(text, candidate.start())
            if match is None or match.start() in seen:
                continue
            seen.add(match.start())
            found.append(match)
            if len(found) >= _MAX_HITS_PER_RULE:
                return found
    return found


_Item = TypeVar("_Item", Rule, Idiom)


def _triggered(
    index: Mapping[str, tuple[_Item, ...]], positions: dict[str, list[int]]
) -> dict[str, tuple[_Item, list[int]]]:
    """Rules (or idioms) whose keys occur, each with every position of its keys."""
    triggered: dict[str, tuple[_Item, list[int]]] = {}
    for key, spots in positions.items():
        for item in index.get(key, ()):
            if item.id in triggered:
                triggered[item.id][1].extend(spots)
            else:
                triggered[item.id] = (item, list(spots))
    # a rule with a second gate runs only when one of its second words is there too
    return {
        item_id: found
        for item_id, found in triggered.items()
        if not found[0].also or not found[0].also.isdisjoint(positions)
    }


def _match(
    pack: LanguageRules, norm: Normalised, trace: set[str] | None = None
) -> tuple[list[_Hit], list[_Hit]]:
    """(hits that count, hits discounted) for one language's rules; ``trace`` collects the
    id of every rule, idiom and lexicon group that matched (for ``explain``)."""
    text = norm.text
    size = len(text)
    positions = _key_positions(pack, text)
    rules = _triggered(pack.by_key, positions)
    if not rules:
        return _lexicon(pack, text, positions, trace=trace), []
    windows = _Windows(size, [m.span() for m in pack.context.sentence_boundary.finditer(text)])
    idioms: list[tuple[int, int, str]] = []
    for idiom_id, (idiom, spots) in sorted(_triggered(pack.idioms_by_key, positions).items()):
        for match in _scan(idiom.regex, text, windows.around(spots), idiom.lead):
            idioms.append((match.start(), match.end(), idiom_id))
            if trace is not None:
                trace.add(idiom_id)
    recovery = _recovery(pack, text, positions, windows)
    kept: list[_Hit] = []
    discounted: list[_Hit] = []
    for rule_id in sorted(rules, key=pack.order.__getitem__):
        rule, spots = rules[rule_id]
        if len(kept) + len(discounted) >= _MAX_HITS_PER_TEXT:
            break  # a text made of risk phrases: the level is known long before this
        for match in _scan(rule.regex, text, windows.around(spots), rule.lead):
            if trace is not None:
                trace.add(rule.id)
            by = (
                next((i for s, e, i in idioms if s < match.end() and match.start() < e), None)
                if idioms
                else None
            )
            if by is not None:
                hit = _Hit(match.start(), match.end(), rule.id, rule.category, rule.level)
                hit.discount, hit.by, hit.rule = "idiom", by, rule
                discounted.append(hit)
                continue
            hit = _weigh(pack, text, match, rule, recovery, windows=windows)
            (discounted if hit.discount else kept).append(hit)
    kept = _drop_contained(kept)
    # a distress word inside a distress phrase ("help" in "please help me") is not counted twice
    covered = idioms + [(h.start, h.end, h.rule_id) for h in kept if h.category == "distress"]
    return (
        kept + _lexicon(pack, text, positions, covered, trace=trace, recovery=recovery),
        discounted,
    )


def _recovery(
    pack: LanguageRules,
    text: str,
    positions: dict[str, list[int]],
    windows: _Windows | None = None,
) -> bool:
    """Does the text tell a story of recovery ("500 days clean")? Looked for only around the
    recovery keys when the rule set names them (a search of the whole text otherwise)."""
    pattern = pack.context.recovery
    if not pack.recovery_keys:
        return bool(pattern.search(text))
    spots = [spot for key in pack.recovery_keys.intersection(positions) for spot in positions[key]]
    if not spots:
        return False
    if windows is None:
        runs = [m.span() for m in pack.context.sentence_boundary.finditer(text)]
        windows = _Windows(len(text), runs)
    return bool(_scan(pattern, text, windows.around(spots), pack.recovery_lead))


def _drop_contained(hits: list[_Hit]) -> list[_Hit]:
    """A match inside a longer match of the same category is the same words read twice
    ("want to cut myself" is an urge, not also an act); a rule that ``overrides`` takes
    every match inside it ("told me to kill myself" is abuse received)."""
    ordered = sorted(hits, key=lambda h: h.start)
    starts = [h.start for h in ordered]
    result = []
    for hit in hits:
        # only matches starting a little before this one can contain it
        first = bisect.bisect_left(starts, hit.start - _LONGEST_MATCH)
        last = bisect.bisect_right(starts, hit.start)
        inside = any(
            other is not hit
            and hit.end <= other.end
            and (other.end - other.start) > (hit.end - hit.start)
            and (other.category == hit.category or (other.rule and other.rule.overrides))
            for other in ordered[first:last]
        )
        if not inside:
            result.append(hit)
    return result


def _lexicon(
    pack: LanguageRules,
    text: str,
    positions: dict[str, list[int]],
    idioms: Iterable[tuple[int, int, str]] = (),
    *,
    trace: set[str] | None = None,
    recovery: bool | None = None,
) -> list[_Hit]:
    """Single-word distress signals, each negation-checked."""
    ctx = pack.context
    found: list[tuple[int, int, str]] = []
    if pack.lang == "en":
        for word in sorted(positions.keys() & pack.lexicon_words.keys()):
            for start in positions[word][:_MAX_LEXICON_HITS_PER_WORD]:
                found.append((start, start + len(word), word))
    else:
        for group in pack.lexicon:
            assert group.regex is not None
            for count, match in enumerate(group.regex.finditer(text)):
                if count >= _MAX_LEXICON_HITS_PER_WORD * 3:
                    break
                found.append((match.start(), match.end(), match.group()))
    if not found:
        return []
    found.sort()
    spans = list(idioms)
    hits = []
    negated_lead = ctx.leads.get("lexicon_negated")
    subject_lead = ctx.leads.get("subject")
    marks = [m.start() for m in _SENTENCE_MARK.finditer(text, 0, found[-1][0])]
    total = 0.0
    for start, end, word in found:
        if total >= _ENOUGH_DISTRESS:
            break  # the level is settled whatever the rest says; spare a long post's time
        group = pack.lexicon_words[word]
        if any(s <= start and end <= e for s, e, _ in spans):
            continue
        if (
            pack.negation_cue.search(text, max(0, start - 40), start)
            and _search(ctx.lexicon_negated, negated_lead, text, max(0, start - 40), start)
        ) or ctx.lexicon_negated_after.match(text, end):
            continue  # "not stressed", "anxiety-free"; "not happy" is no relief either
        weight = group.weight
        # Distress of someone else ("her anxiety", 他很焦虑) or a question to the reader
        # counts for less than the writer's own; relief counts only when it is the writer's.
        low = max(0, start - _LEXICON_SUBJECT_WINDOW)
        at = bisect.bisect_left(marks, start)
        if at and marks[at - 1] >= low:
            low = marks[at - 1] + 1
        marker = _last(ctx.subject, text, low, start, subject_lead)
        whose = marker.lastgroup if marker is not None else ""
        if weight > 0 and whose in {"other", "second", "generic"}:
            weight *= _NOT_SELF_FACTOR
        elif weight < 0 and whose != "self":
            continue
        hits.append(
            _Hit(start, end, group.id, group.category, "low", weight=weight, subject="self")
        )
        total += max(weight, 0.0)
        if trace is not None:
            trace.add(group.id)
    # Distress words in a text where nobody speaks for themselves (an announcement, an
    # article) or in a story of recovery weigh less than a person's own distress now.
    factor = 1.0
    if not _speaks_for_self(ctx, text):
        factor *= _NOT_SELF_FACTOR
    if recovery is None:
        recovery = _recovery(pack, text, positions)
    if recovery:
        factor *= _RECOVERY_FACTOR
    if factor != 1.0:
        for hit in hits:
            if hit.weight > 0:
                hit.weight *= factor
    return hits


def _speaks_for_self(ctx: Context, text: str) -> bool:
    for match in ctx.first_person.finditer(text):
        start = match.start()
        if not start or not text[start - 1].isalnum():
            return True
    return False


# --- levels ---------------------------------------------------------------------------------


def _escalate(kept: list[_Hit]) -> None:
    """Time, plan, means and preparations next to risk raise it (API.md: imminent)."""
    support = [h for h in kept if h.rule is not None and not h.rule.requires and h.rank >= 2]
    # Without risk words around them, two different cues of a plan together (a stated
    # intent and a time, goodbyes and a time) still describe one: C-SSRS 5.
    cues = [
        h
        for h in kept
        if h.rule is not None
        and (h.rule.requires or h.rule.role)
        and not {"past", "hypothetical"} & set(h.modifiers)
    ]
    paired = {
        id(h)
        for h in cues
        for other in cues
        if other.rule_id != h.rule_id and abs(other.start - h.start) <= _ESCALATION_DISTANCE
    }
    for hit in kept:
        rule = hit.rule
        if rule is None:
            continue
        if rule.requires == "risk" and not support:
            if id(hit) in paired:
                hit.level = "high" if hit.rank < _RANK["high"] else hit.level
                hit.modifiers.append("escalated")
            else:
                hit.discount = "needs_context"
            continue
        if rule.role != "imminence" or {"past", "hypothetical"} & set(hit.modifiers):
            continue
        near = [
            other
            for other in support
            if other is not hit
            and abs(other.start - hit.start) <= _ESCALATION_DISTANCE
            and "past" not in other.modifiers
        ]
        if not near:
            continue
        strongest = max(near, key=lambda h: h.rank)
        if rule.requires:
            hit.subject = strongest.subject
        if strongest.rank >= _RANK["high"] or (hit.rank >= _RANK["high"] and strongest.rank >= 2):
            hit.level = "imminent"
        elif strongest.rank == _RANK["moderate"] and hit.rank < _RANK["high"]:
            hit.level = "high"
        else:
            continue
        hit.modifiers.append("escalated")


#: Warning signs that together describe the wish to die (interpersonal theory of suicide:
#: perceived burdensomeness and thwarted belongingness, held with hopelessness).
_COMBINED = frozenset({"hopelessness", "perceived_burden", "isolation"})


def _combine(kept: list[_Hit]) -> None:
    """Two different warning signs in the writer's own voice ("I'm a burden", "nobody would
    miss me", "nothing will ever get better") together make ``high``: each alone is
    ``moderate`` (API.md), but together they are the formulation a responder should see."""
    signs = [
        h
        for h in kept
        if not h.discount
        and h.level == "moderate"
        and h.subject == "self"
        and h.category in _COMBINED
        and not {"past", "hypothetical", "no_subject"} & set(h.modifiers)
    ]
    if len({h.category for h in signs}) >= 2:
        for hit in signs:
            hit.level = "high"
            hit.modifiers.append("combined")


def _score(level: str, top: list[_Hit], distress: float, threshold: float) -> float:
    low, high = _BANDS[level]
    width = high - low
    if level == "none":
        strength = min(distress / threshold, 1.0) if threshold else 0.0
    elif level == "low":
        strength = 1 - 1 / (1 + max(distress - threshold, 0.0) + 0.5 * len(top))
    else:
        categories = {h.category for h in top}
        strength = 1 - 0.6 ** (len(top) + len(categories))
    return round(low + width * 0.95 * strength, 3)


def _evidence(norm: Normalised, hit: _Hit, *, discounted: bool = False) -> Evidence:
    if norm.segments is None and norm.chunk_starts is None and hit.end > hit.start:
        start, end = hit.start, hit.end  # folding kept every offset and nothing was repaired
    else:
        start, end = norm.span(hit.start, hit.end)
    modifiers = (hit.discount,) if discounted else tuple(dict.fromkeys(hit.modifiers))
    subject = hit.subject if hit.subject in {"self", "other"} else "unknown"
    return Evidence(
        start=start,
        end=end,
        text=norm.original[start:end],
        rule=hit.rule_id,
        category=hit.category,
        level=hit.level if not discounted else "none",
        subject=subject,
        modifiers=modifiers,
        by=hit.by,
    )


def _packs(text: str, hint: str | None) -> list[LanguageRules]:
    languages = ruleset().languages
    packs = []
    han = not text.isascii() and language.has_han(text)
    if not han or language.has_latin(text):
        packs.append(languages["en"])
    if han:
        packs.append(languages["zh"])
    if hint == "zh" and len(packs) == 2:
        packs.reverse()
    return packs


def _assess(text: str, lang: str | None, trace: set[str] | None = None) -> RiskResult:
    rules = ruleset()
    hint = language.normalise_code(lang)
    norm = normalise(text, rules.vocabulary)
    detected = hint or ("en" if norm.text.isascii() else language.detect(text[:10_000]))
    kept: list[_Hit] = []
    discounted: list[_Hit] = []
    for pack in _packs(norm.text, hint):
        pack_kept, pack_discounted = _match(pack, norm, trace)
        kept.extend(pack_kept)
        discounted.extend(pack_discounted)
    threshold = rules.languages.get(detected, rules.languages["en"]).distress_threshold
    _escalate(kept)
    for hit in kept:
        if hit.rank == 0 and not hit.discount:
            hit.discount = "needs_context"  # time or plan words with nothing to raise
    _combine(kept)
    method_detail = any(
        h.rule is not None
        and h.rule.method_detail
        and h.discount not in {"idiom", "negated", "needs_context"}
        for h in (*kept, *discounted)
    )
    discounted.extend(h for h in kept if h.discount)
    kept = [h for h in kept if not h.discount]

    risk = [h for h in kept if h.rank >= _RANK["moderate"]]
    pool = [h for h in kept if h.rank == _RANK["low"] and h.weight > 0]
    relief = sum(h.weight for h in kept if h.weight < 0)
    distress = sum(h.weight for h in pool) + max(relief, -_RELIEF_CAP)
    level = max((h.level for h in risk), key=_RANK.__getitem__, default="none")
    if level == "none" and distress >= threshold:
        level = "low"
    counted = risk + (pool if _RANK[level] >= _RANK["low"] and distress >= threshold else [])
    if level == "none":
        counted = []
    top = [h for h in counted if h.level == level]
    subject = "unknown"
    for candidate in ("self", "other"):
        if any(h.subject == candidate for h in top):
            subject = candidate
            break
    categories = sorted({h.category for h in counted}, key=_CATEGORY_ORDER.__getitem__)
    chosen = sorted(counted, key=lambda h: (-h.rank, h.start))[:_MAX_EVIDENCE]
    chosen.sort(key=lambda h: (h.start, h.end))
    dropped = sorted(discounted, key=lambda h: (h.start, h.end))[:_MAX_EVIDENCE]
    return RiskResult(
        level=level,
        score=_score(level, top, distress, threshold),
        subject=subject,
        categories=tuple(categories),
        evidence=tuple(_evidence(norm, h) for h in chosen),
        lang=detected,
        method_detail=method_detail,
        discounted=tuple(_evidence(norm, h, discounted=True) for h in dropped),
    )


def assess(text: str, *, lang: str | None = None, surface: str = "post") -> RiskResult:
    """Assess one text. Never raises on any ``str`` input; linear time in its length.

    ``lang`` is a hint (``"en"``, ``"zh-Hans"``…); scripts present in the text decide which
    rule sets run. ``surface`` (one of ``SURFACES``) is accepted for the record; the rules
    read words the same way wherever they were written.
    """
    if not isinstance(text, str):
        raise TypeError("assess() needs a str")
    try:
        return _assess(text, lang)
    except RuleFileError:
        raise  # a broken rule file is a deployment error: refuse loudly, never half-work
    except Exception:  # a bug must not silence a person: fall back to offering support
        logger.exception("risk engine failed on a text of length %d", len(text))
        return RiskResult(
            level="low",
            score=0.2,
            subject="unknown",
            categories=("distress",),
            evidence=(Evidence(0, 0, "", "engine.error", "distress", "low"),),
            lang=language.normalise_code(lang) or "en",
        )


@dataclass(frozen=True)
class Explanation:
    result: RiskResult
    #: Every rule, idiom and lexicon group that matched, whether or not it counted.
    matched: frozenset[str]


def explain(text: str, *, lang: str | None = None) -> Explanation:
    """``assess`` plus the ids of everything that matched: for tests and rule reviews."""
    trace: set[str] = set()
    return Explanation(_assess(text, lang, trace), frozenset(trace))

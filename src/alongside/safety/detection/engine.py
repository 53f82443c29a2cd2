"""``assess(text)``: rules over a normalised text, each match weighed in its context.

How a level comes about (each step is visible in the result):

1. The text is normalised (``normalise.py``) and each rule set whose script is present runs.
2. A rule runs only when one of its keys is in the text, and only around the keys, inside
   their sentence; its matches become *hits*.
3. Each hit is read in its sentence: an overlapping idiom, a negation that reaches it,
   fiction or generic reported speech ("people say…"), second person ("you") or a generic
   subject ("people who…") discount it (it goes to ``discounted`` with the reason).
   Whose words they are (self / other) comes from the nearest subject in the clause.
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
6. The level is the highest hit's; the subject is that hit's (self first on ties); the
   score sits inside the level's band.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from alongside.safety.detection import language
from alongside.safety.detection.normalise import Normalised, normalise
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
_WORD = re.compile(r"[a-z0-9]+")
_MAX_HITS_PER_RULE = 20
_MAX_HITS_PER_TEXT = 200
#: No rule's match is longer than this (patterns are bounded); used to find containers.
_LONGEST_MATCH = 400
_MAX_KEY_POSITIONS = 64
_MAX_STRING_KEY_HITS = 300
_LEXICON_SUBJECT_WINDOW = 50
_QUOTE_MARKS = ('"', "「", "」")
_SENTENCE_MARKS = (".", "!", "?", "\n", "。", "！", "？")
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


@dataclass
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


@dataclass(frozen=True)
class _Sentence:
    start: int
    clause_start: int
    end: int


def _sentence(ctx: Context, text: str, start: int, end: int) -> _Sentence:
    low = max(0, start - _SENTENCE_WINDOW)
    sentence_start = low
    for boundary in ctx.sentence_boundary.finditer(text, low, start):
        sentence_start = boundary.end()
    clause_start = sentence_start
    for boundary in ctx.clause_boundary.finditer(text, sentence_start, start):
        clause_start = boundary.end()
    after = ctx.sentence_boundary.search(text, end, end + _SENTENCE_WINDOW)
    sentence_end = after.start() if after else min(len(text), end + _SENTENCE_WINDOW)
    return _Sentence(sentence_start, clause_start, sentence_end)


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text, start, end):  # noqa: B007 - the last one is wanted
        pass
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
    marker = _last(ctx.subject, text, where.clause_start, match.start())
    if marker is None:
        marker = _last(ctx.subject, text, where.start, where.clause_start)
        if ctx.third_person_verb.match(text, match.start()) or ctx.third_person_before.search(
            text, where.clause_start, match.start()
        ):
            # "…and wants to die": someone else, or people in general
            return "generic" if marker is not None and marker.lastgroup == "generic" else "other"
    return marker.lastgroup or "" if marker is not None else ""


def _weigh(
    pack: LanguageRules, text: str, match: re.Match[str], rule: Rule, recovery: bool
) -> _Hit:
    ctx = pack.context
    start, end = match.span()
    hit = _Hit(start, end, rule.id, rule.category, rule.level, rule=rule, weight=rule.weight)
    where = _sentence(ctx, text, start, end)
    if (
        rule.negatable
        and ctx.negated_before.search(text, where.clause_start, start)
        and not ctx.negation_released_after.match(text, end)
    ):
        hit.discount = "negated"
        return hit
    if ctx.fiction.search(text, where.start, start) or ctx.fiction.search(text, end, where.end):
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
    if ctx.reported.search(text, where.start, start) and subject in {"", "generic", "second"}:
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

    if ctx.hypothetical.search(text, where.start, start):
        hit.level = _cap(hit.level, "moderate")
        hit.modifiers.append("hypothetical")
    recent = bool(
        ctx.recent.search(text, where.start, start) or ctx.recent.search(text, end, where.end)
    )
    distant = bool(
        ctx.past_before.search(text, where.start, start)
        or ctx.past_after.search(text, end, where.end)
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


def _spots(finder: re.Pattern[str], text: str) -> list[int]:
    """Starts of a literal-first finder's matches that begin a word (bounded)."""
    spots = []
    for match in finder.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "'"):
            continue  # inside a longer word
        spots.append(start)
        if len(spots) >= _MAX_KEY_POSITIONS:
            break
    return spots


def _key_positions(
    pack: LanguageRules, text: str, words: tuple[str, ...] | None = None
) -> dict[str, list[int]]:
    """Where each key of the rule set occurs (up to a bound per key).

    English: the words of the text, then a literal-first search for each key word present
    and for each phrase key whose words stand next to each other; Chinese: one search for
    any key.
    """
    found: dict[str, list[int]] = {}
    if pack.lang == "en":
        sequence = words if words is not None else _WORD.findall(text)
        present = set(sequence)
        for word in present & pack.indexed_words:
            spots = _spots(pack.word_finders[word], text)
            if spots:
                found[word] = spots
        pairs: set[tuple[str, str]] | None = None
        for first in present & pack.phrase_keys_by_word.keys():
            if pairs is None:
                pairs = set(itertools.pairwise(sequence))
            for phrase, bigrams, regex in pack.phrase_keys_by_word[first]:
                if bigrams <= pairs:  # its words occur next to each other somewhere
                    spots = _spots(regex, text)
                    if spots:
                        found[phrase] = spots
        return found
    # Chinese: one search for any key (longest first), restarted one character on so that
    # overlapping keys are all seen; a key found also reveals the keys that prefix it.
    position = 0
    for _ in range(_MAX_STRING_KEY_HITS):
        match = pack.string_key_regex.search(text, position)
        if match is None:
            return found
        for key in pack.string_key_prefixes[match.group()]:
            spots = found.setdefault(key, [])
            if len(spots) < _MAX_KEY_POSITIONS:
                spots.append(match.start())
        position = match.start() + 1
    rest = set(text[position:])
    for key in pack.string_keys:  # a text full of keys: look for the rest one by one
        if key not in found and key[0] in rest:
            index = text.find(key, position)
            if index != -1:
                found[key] = [index]
    return found


def _windows(
    positions: Iterable[int], size: int, bounds: Sequence[int] = ()
) -> list[tuple[int, int]]:
    """Merged windows around key positions: ``W`` characters either side, kept inside the
    key's sentence (``bounds`` are the sentence boundaries: no rule matches across one)."""
    windows: list[tuple[int, int]] = []
    for position in sorted(positions):
        low, high = max(0, position - _WINDOW), min(size, position + _WINDOW)
        if bounds:
            at = bisect.bisect_right(bounds, position)
            if at:
                low = max(low, bounds[at - 1])
            if at < len(bounds):
                high = min(high, bounds[at] + 1)
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], high))
        else:
            windows.append((low, high))
    if sum(high - low for low, high in windows) >= size * 0.9:
        return [(0, size)]
    return windows


def _scan(regex: re.Pattern[str], text: str, windows: list[tuple[int, int]]) -> list[re.Match[str]]:
    """Matches of ``regex`` that start inside the windows (a match cut off by a window's end
    is re-read on the whole text, so windows never change what a match is)."""
    found: list[re.Match[str]] = []
    seen: set[int] = set()
    size = len(text)
    for low, high in windows:
        for candidate in regex.finditer(text, low, high):
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
    return triggered


def _match(
    pack: LanguageRules, norm: Normalised, trace: set[str] | None = None
) -> tuple[list[_Hit], list[_Hit]]:
    """(hits that count, hits discounted) for one language's rules; ``trace`` collects the
    id of every rule, idiom and lexicon group that matched (for ``explain``)."""
    text = norm.text
    size = len(text)
    positions = _key_positions(pack, text, norm.words)
    rules = _triggered(pack.by_key, positions)
    if not rules:
        return _lexicon(pack, text, positions, trace=trace), []
    bounds = [m.start() for m in pack.context.sentence_boundary.finditer(text)]
    idioms: list[tuple[int, int, str]] = []
    for idiom_id, (idiom, spots) in sorted(_triggered(pack.idioms_by_key, positions).items()):
        for match in _scan(idiom.regex, text, _windows(spots, size, bounds)):
            idioms.append((match.start(), match.end(), idiom_id))
            if trace is not None:
                trace.add(idiom_id)
    recovery = bool(pack.context.recovery.search(text))
    kept: list[_Hit] = []
    discounted: list[_Hit] = []
    for rule_id in sorted(rules, key=pack.order.__getitem__):
        rule, spots = rules[rule_id]
        if len(kept) + len(discounted) >= _MAX_HITS_PER_TEXT:
            break  # a text made of risk phrases: the level is known long before this
        for match in _scan(rule.regex, text, _windows(spots, size, bounds)):
            if trace is not None:
                trace.add(rule.id)
            by = next((i for s, e, i in idioms if s < match.end() and match.start() < e), None)
            if by is not None:
                hit = _Hit(match.start(), match.end(), rule.id, rule.category, rule.level)
                hit.discount, hit.by, hit.rule = "idiom", by, rule
                discounted.append(hit)
                continue
            hit = _weigh(pack, text, match, rule, recovery)
            (discounted if hit.discount else kept).append(hit)
    kept = _drop_contained(kept)
    # a distress word inside a distress phrase ("help" in "please help me") is not counted twice
    covered = idioms + [(h.start, h.end, h.rule_id) for h in kept if h.category == "distress"]
    return (
        kept + _lexicon(pack, text, positions, covered, trace=trace, recovery=recovery),
        discounted,
    )


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
    total = 0.0
    for start, end, word in found:
        if total >= _ENOUGH_DISTRESS:
            break  # the level is settled whatever the rest says; spare a long post's time
        group = pack.lexicon_words[word]
        if any(s <= start and end <= e for s, e, _ in spans):
            continue
        before = text[max(0, start - 40) : start]
        if (
            any(cue in before for cue in pack.negation_cues)
            and ctx.lexicon_negated.search(text, max(0, start - 40), start)
        ) or ctx.lexicon_negated_after.match(text, end):
            continue  # "not stressed", "anxiety-free"; "not happy" is no relief either
        weight = group.weight
        # Distress of someone else ("her anxiety", 他很焦虑) or a question to the reader
        # counts for less than the writer's own; relief counts only when it is the writer's.
        low = max(0, start - _LEXICON_SUBJECT_WINDOW)
        for mark in _SENTENCE_MARKS:
            low = max(low, text.rfind(mark, low, start) + 1)
        marker = _last(ctx.subject, text, low, start)
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
        recovery = bool(ctx.recovery.search(text))
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

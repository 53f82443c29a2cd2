"""The rule files (``data/*.toml``), validated and compiled once.

A rule file holds, for one language:

- ``[fragments]``: named pieces of pattern, used as ``{NAME}`` inside patterns;
- ``[[rule]]``: a pattern with a rule id, a category and a level, the keys that gate it
  (and ``also``, second words one of which must be there too), and how its context is
  weighed (see :class:`Rule`). Keys and second words must occur in every match (a test
  checks this on the case file);
- ``[[lexicon]]``: groups of single words (English) or short strings (Chinese) that signal
  distress, each with a weight; several weak words together make ``low``;
- ``[[idiom]]``: patterns that explain risk-looking words away ("this exam is killing me",
  笑死); a risk match that overlaps an idiom does not count;
- ``[context]``: the cue patterns for negation, subject, hypothetical and reported speech,
  past tense and recovery (with ``recovery_keys``, looked for only around them).

Pattern conventions (so rules stay readable and linear-time): patterns are lowercase; a
space matches any run of whitespace (inside a look-behind, which must be fixed-width, write
``[ ]``); an apostrophe is optional (``i'm`` matches ``im``);
English patterns are implicitly word-bounded. Loading rejects unbounded repetition of a group
or of ``.`` and bounds above 80, so no rule can backtrack catastrophically.
"""

from __future__ import annotations

import functools
import importlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from alongside.safety.detection.normalise import Vocabulary
from alongside.safety.detection.result import CATEGORIES, LEVELS

RULE_ID = re.compile(r"(en|zh)\.[a-z_]+\.[a-z0-9_]+")
SUBJECT_MODES = ("context", "self", "other", "second")
ROLES = ("", "imminence")
REQUIRES = ("", "risk")
TENSES = ("present", "past")
_FRAGMENT = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
# Repetition that is unbounded over a group or a wildcard, or bounded too loosely.
_UNSAFE = re.compile(r"(?:\)|\.)(?:[*+]|\{\d*,\})|\{\d*,(\d{3,}|[89]\d)\}")


class RuleFileError(ValueError):
    """A rule file is malformed; the engine refuses to start rather than half-work."""


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    level: str
    regex: re.Pattern[str]
    keys: frozenset[str]
    #: A second gate: when set, one of these keys must occur in the text too (every match
    #: contains one of ``keys`` and one of ``also``), so a rule keyed on a common word runs
    #: only when its rarer second word is there as well.
    also: frozenset[str] = frozenset()
    #: The same pattern led by the character before the match (see ``lead_pattern``).
    lead: re.Pattern[str] | None = None
    #: ``context``: whose words these are is read from the text around the match (named
    #: groups ``self…``/``other…``/``second…`` in the pattern override it); or fixed.
    subject: str = "context"
    #: Who the words are about when the sentence names nobody: ``self`` for first-person
    #: verb phrases ("just want to die"), ``unknown`` for mentions ("self-harm").
    default_subject: str = "self"
    #: ``past`` for reports of behaviour that has happened (attempts): recency decides.
    tense: str = "present"
    #: ``imminence``: time, plan, means, preparations: raises other risk evidence.
    role: str = ""
    #: ``risk``: counts only next to other risk evidence at moderate or above.
    requires: str = ""
    negatable: bool = True
    #: Hits about another person are dropped (e.g. "deserves to die" is anger at others).
    self_only: bool = False
    #: Second person is the point (abuse: "kill yourself"): kept, reported as ``other``.
    second_person_is_target: bool = False
    method_detail: bool = False
    #: Other matches inside this one are the same words read another way and do not count
    #: ("told me to kill myself" is abuse received, not the writer's wish).
    overrides: bool = False
    weight: float = 1.0
    note: str = ""


@dataclass(frozen=True)
class LexiconGroup:
    id: str
    category: str
    #: Towards the distress threshold; negative for words of relief ("relieved", 放心) that
    #: pull a text back ("I was scared but now I'm relieved").
    weight: float
    words: frozenset[str]
    #: Chinese: one alternation over the words (there are no word boundaries to index).
    regex: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Idiom:
    id: str
    regex: re.Pattern[str]
    keys: frozenset[str]
    also: frozenset[str] = frozenset()
    lead: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Context:
    """Compiled cue patterns for one language (see the ``[context]`` table)."""

    sentence_boundary: re.Pattern[str]
    clause_boundary: re.Pattern[str]
    #: Anchored at the end of the clause before a match: a negation that reaches it.
    negated_before: re.Pattern[str]
    #: Named groups ``other``, ``generic``, ``second``, ``self``: who a clause is about.
    subject: re.Pattern[str]
    #: A third-person verb opening a match ("…and wants to die") or ending the clause
    #: before it ("…and is suicidal"): someone else, when no subject is named.
    third_person_verb: re.Pattern[str]
    third_person_before: re.Pattern[str]
    hypothetical: re.Pattern[str]
    fiction: re.Pattern[str]
    reported: re.Pattern[str]
    past_before: re.Pattern[str]
    past_after: re.Pattern[str]
    recent: re.Pattern[str]
    recovery: re.Pattern[str]
    #: Right after a match with no subject before it: words showing it describes the reader's
    #: experience ("…all the time sounds exhausting"), read as second person.
    addressed_after: re.Pattern[str]
    #: After a negated match: words that show the wish stands ("haven't killed myself yet").
    negation_released_after: re.Pattern[str]
    #: A negation right before a lexicon word ("not stressed", 不紧张), or right after it
    #: ("anxiety-free").
    lexicon_negated: re.Pattern[str]
    lexicon_negated_after: re.Pattern[str]
    #: Literal-first: the writer speaks in the first person somewhere in the text.
    first_person: re.Pattern[str]
    #: The word-bounded cues led by the character before them (``lead_pattern``), by name.
    leads: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    #: Anchored at the end, right before a negation: an effort against the act ("trying
    #: not to…", "fighting not to…"), which shows the urge is there rather than denying it.
    #: Optional in a rule file (never matches when absent).
    negation_effort_before: re.Pattern[str] = re.compile(r"(?!x)x")


@dataclass(frozen=True)
class LanguageRules:
    lang: str
    rules: tuple[Rule, ...]
    lexicon: tuple[LexiconGroup, ...]
    idioms: tuple[Idiom, ...]
    context: Context
    distress_threshold: float
    #: Minimum weight a single lexicon hit needs to count on its own.
    by_key: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    idioms_by_key: Mapping[str, tuple[Idiom, ...]] = field(default_factory=dict)
    lexicon_words: Mapping[str, LexiconGroup] = field(default_factory=dict)
    #: English: every key, lexicon word and second gate (words or phrases) as one pattern
    #: shaped like a trie (``_trie``), so one scan of the text finds them all: ``key_regex``
    #: at the start of the text, ``key_lead`` (led by the character before a word) elsewhere.
    key_regex: re.Pattern[str] = re.compile(r"(?!x)x")
    key_lead: re.Pattern[str] = re.compile(r"(?!x)x")
    #: Each English key → the keys it starts with, itself included ("kill me" → "kill").
    key_prefixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    string_keys: tuple[str, ...] = ()
    string_key_regex: re.Pattern[str] = re.compile(r"(?!x)x")
    #: Each key → itself and every shorter key that is a prefix of it.
    string_key_prefixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Strings one of which every lexicon negation contains: a cheap check before the regex.
    negation_cues: tuple[str, ...] = ()
    negation_cue: re.Pattern[str] = re.compile(r"(?!x)x")
    #: Keys one of which every match of ``context.recovery`` contains: the story-of-recovery
    #: cue is looked for only around them (empty: the whole text is searched).
    recovery_keys: frozenset[str] = frozenset()
    recovery_lead: re.Pattern[str] | None = None
    #: Rule id → position in the file (rules run in file order).
    order: Mapping[str, int] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[str, ...]:
        return (
            *(r.id for r in self.rules),
            *(g.id for g in self.lexicon),
            *(i.id for i in self.idioms),
        )


@dataclass(frozen=True)
class RuleSet:
    languages: Mapping[str, LanguageRules]
    vocabulary: Vocabulary

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i for pack in self.languages.values() for i in pack.ids)


# --- compilation ----------------------------------------------------------------------------


def _expand(pattern: str, fragments: Mapping[str, str], where: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fragments:
            raise RuleFileError(f"{where}: unknown fragment {{{name}}}")
        return f"(?:{fragments[name]})"

    for _ in range(5):  # fragments may use fragments, a few levels deep
        expanded = _FRAGMENT.sub(substitute, pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise RuleFileError(f"{where}: fragments nest too deeply")


def _soften(pattern: str) -> str:
    """Spaces match any whitespace run; apostrophes are optional. Outside character classes
    and escapes only."""
    out: list[str] = []
    in_class = False
    escaped = False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif in_class:
            out.append(char)
            in_class = char != "]"
        elif char == "[":
            out.append(char)
            in_class = True
        elif char == " ":
            out.append(r"\s+")
        elif char == "'":
            out.append("'?")
        else:
            out.append(char)
    return "".join(out)


def compile_pattern(
    pattern: str, *, lang: str, fragments: Mapping[str, str], where: str
) -> re.Pattern[str]:
    expanded = _expand(pattern, fragments, where)
    if re.search(r" [?*+{]", expanded):
        raise RuleFileError(f"{where}: a space is already 'one or more': write \\s* instead")
    if _UNSAFE.search(expanded):
        raise RuleFileError(f"{where}: unbounded or over-long repetition in {expanded!r}")
    softened = _soften(expanded)
    if lang == "en":
        softened = rf"(?<![a-z0-9])(?:{softened})(?![a-z0-9])"
    try:
        return re.compile(softened)
    except re.error as exc:
        raise RuleFileError(f"{where}: {exc} in {softened!r}") from exc


def lead_pattern(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """For an English pattern ``(?<![a-z0-9])(?:P)(?![a-z0-9])``: ``[^a-z0-9](?=O)(?:P)…``, the
    same match one character on. ``re`` cannot skip ahead over a pattern that opens with a
    look-behind (it tries every position); a pattern that opens with a character class it
    scans for at C speed, so only the character before each word is tried, and there the
    look-ahead ``O`` (every way a match can begin, as a trie: see ``_openings``) turns most
    words away at once instead of trying each alternative of ``P`` in turn."""
    head = "(?<![a-z0-9])"
    if not regex.pattern.startswith(head):
        return None
    body = regex.pattern[len(head) :]
    openings = _openings(body)
    guard = f"(?={_trie(openings)})" if openings else ""
    return re.compile("[^a-z0-9]" + guard + body)


#: How far the openings of a pattern are followed, and how many there may be.
_OPENING_LENGTH = 6
_MOST_OPENINGS = 3000


class _TooMany(Exception):
    pass


def _class_chars(sre: Any, members: list[tuple[Any, Any]]) -> str:
    """The characters of a small class (``[- ]``, ``[0-9]``, ``\\d``), or "" for a large one."""
    chars = ""
    for kind, value in members:
        if kind is sre.LITERAL:
            chars += chr(value)
        elif kind is sre.RANGE and value[1] - value[0] < 16:
            chars += "".join(map(chr, range(value[0], value[1] + 1)))
        elif kind is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
            chars += "0123456789"
        else:
            return ""
    return chars if len(chars) <= 16 else ""


def _openings(pattern: str) -> list[str] | None:
    """Every string a match of ``pattern`` can begin with, up to ``_OPENING_LENGTH``
    characters, read from the parsed pattern; ``None`` when some match could begin with
    anything (a digit class, a wildcard) or there are too many. Conservative: where the
    reading stops early (a repeat, a class) the opening is only shorter, never wrong, so a
    look-ahead made of them turns away only positions where no match can start."""
    try:
        # the standard library's own regex parser (private: any change to it means no guard)
        sre: Any = importlib.import_module("re._constants")
        tree = importlib.import_module("re._parser").parse(pattern)
    except Exception:
        return None
    found: set[str] = set()

    def walk(items: list[Any], prefix: str, then: tuple[list[Any], ...]) -> None:
        if len(found) > _MOST_OPENINGS:
            raise _TooMany
        for index, (op, arg) in enumerate(items):
            if len(prefix) >= _OPENING_LENGTH:
                found.add(prefix)
                return
            rest = (list(items[index + 1 :]), *then)
            if op is sre.LITERAL:
                prefix += chr(arg)
            elif op is sre.SUBPATTERN:
                walk(list(arg[3]), prefix, rest)
                return
            elif op is sre.BRANCH:
                for branch in arg[1]:
                    walk(list(branch), prefix, rest)
                return
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                low, _, item = arg
                if low == 0:
                    walk(list(items[index + 1 :]), prefix, then)
                walk(list(item), prefix, ())  # one round; later rounds are not followed
                return
            elif op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
                continue  # takes no characters
            elif op is sre.IN and (chars := _class_chars(sre, arg)):
                for char in chars:
                    walk(list(items[index + 1 :]), prefix + char, then)
                return
            else:
                found.add(prefix)
                return
        if then:
            walk(then[0], prefix, then[1:])
        else:
            found.add(prefix)

    try:
        walk(list(tree), "", ())
    except (_TooMany, RecursionError, TypeError, ValueError):
        return None
    if "" in found:
        return None
    return sorted(found)


def _need(entry: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in entry:
        raise RuleFileError(f"{where}: missing {name!r}")
    return entry[name]


def _choice(value: Any, allowed: tuple[str, ...], where: str, name: str) -> str:
    if value not in allowed:
        raise RuleFileError(f"{where}: {name} {value!r} is not one of {allowed}")
    return str(value)


_RULE_FIELDS = {
    "id",
    "category",
    "level",
    "pattern",
    "keys",
    "also",
    "subject",
    "default_subject",
    "tense",
    "role",
    "requires",
    "negatable",
    "self_only",
    "second_person_is_target",
    "method_detail",
    "overrides",
    "weight",
    "note",
}


def _keys(entry: Mapping[str, Any], lang: str, where: str, name: str = "keys") -> frozenset[str]:
    keys = _need(entry, name, where)
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise RuleFileError(f"{where}: {name} must be a non-empty list of strings")
    if lang == "en" and not all(re.fullmatch(r"[a-z0-9]+(?: [a-z0-9]+)*", k) for k in keys):
        raise RuleFileError(f"{where}: English {name} are lowercase words or phrases")
    return frozenset(keys)


def _rule(entry: Mapping[str, Any], lang: str, fragments: Mapping[str, str]) -> Rule:
    rule_id = str(_need(entry, "id", "rule"))
    where = f"rule {rule_id}"
    if not RULE_ID.fullmatch(rule_id) or not rule_id.startswith(lang + "."):
        raise RuleFileError(f"{where}: ids look like '{lang}.family.name'")
    unknown = set(entry) - _RULE_FIELDS
    if unknown:
        raise RuleFileError(f"{where}: unknown field(s) {sorted(unknown)}")
    weight = entry.get("weight", 1.0)
    if not isinstance(weight, int | float) or not 0 < weight <= 5:
        raise RuleFileError(f"{where}: weight must be a number in (0, 5]")
    regex = compile_pattern(
        str(_need(entry, "pattern", where)), lang=lang, fragments=fragments, where=where
    )
    return Rule(
        id=rule_id,
        category=_choice(_need(entry, "category", where), CATEGORIES, where, "category"),
        level=_choice(_need(entry, "level", where), LEVELS, where, "level"),
        regex=regex,
        lead=lead_pattern(regex),
        keys=_keys(entry, lang, where),
        also=_keys(entry, lang, where, "also") if "also" in entry else frozenset(),
        subject=_choice(entry.get("subject", "context"), SUBJECT_MODES, where, "subject"),
        default_subject=_choice(
            entry.get("default_subject", "self"), ("self", "unknown"), where, "default_subject"
        ),
        tense=_choice(entry.get("tense", "present"), TENSES, where, "tense"),
        role=_choice(entry.get("role", ""), ROLES, where, "role"),
        requires=_choice(entry.get("requires", ""), REQUIRES, where, "requires"),
        negatable=bool(entry.get("negatable", True)),
        self_only=bool(entry.get("self_only", False)),
        second_person_is_target=bool(entry.get("second_person_is_target", False)),
        method_detail=bool(entry.get("method_detail", False)),
        overrides=bool(entry.get("overrides", False)),
        weight=float(weight),
        note=str(entry.get("note", "")),
    )


def _lexicon(entry: Mapping[str, Any], lang: str) -> LexiconGroup:
    group_id = str(_need(entry, "id", "lexicon"))
    where = f"lexicon {group_id}"
    if not RULE_ID.fullmatch(group_id) or not group_id.startswith(lang + "."):
        raise RuleFileError(f"{where}: ids look like '{lang}.family.name'")
    words = _need(entry, "words", where)
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise RuleFileError(f"{where}: words must be a non-empty list of strings")
    if lang == "en" and not all(re.fullmatch(r"[a-z]+", w) for w in words):
        raise RuleFileError(f"{where}: English lexicon entries are single lowercase words")
    weight = _need(entry, "weight", where)
    if not isinstance(weight, int | float) or not -5 <= weight <= 5 or weight == 0:
        raise RuleFileError(f"{where}: weight must be a non-zero number in [-5, 5]")
    regex = None
    if lang != "en":
        ordered = sorted(words, key=len, reverse=True)
        regex = re.compile("|".join(re.escape(w) for w in ordered))
    return LexiconGroup(
        id=group_id,
        category=_choice(entry.get("category", "distress"), CATEGORIES, where, "category"),
        weight=float(weight),
        words=frozenset(words),
        regex=regex,
    )


def _idiom(entry: Mapping[str, Any], lang: str, fragments: Mapping[str, str]) -> Idiom:
    idiom_id = str(_need(entry, "id", "idiom"))
    where = f"idiom {idiom_id}"
    if not RULE_ID.fullmatch(idiom_id) or not idiom_id.startswith(lang + ".idiom."):
        raise RuleFileError(f"{where}: idiom ids look like '{lang}.idiom.name'")
    regex = compile_pattern(
        str(_need(entry, "pattern", where)), lang=lang, fragments=fragments, where=where
    )
    return Idiom(id=idiom_id, regex=regex, keys=_keys(entry, lang, where), lead=lead_pattern(regex))


_CONTEXT_FIELDS = (
    "sentence_boundary",
    "clause_boundary",
    "negated_before",
    "subject",
    "third_person_verb",
    "hypothetical",
    "fiction",
    "reported",
    "past_before",
    "past_after",
    "recent",
    "recovery",
    "negation_released_after",
    "addressed_after",
    "lexicon_negated",
    "lexicon_negated_after",
    "first_person",
)


#: Context cues a rule file may leave out.
_OPTIONAL_CONTEXT_FIELDS = ("negation_effort_before",)


def _context(table: Mapping[str, Any], lang: str, fragments: Mapping[str, str]) -> Context:
    table = {k: v for k, v in table.items() if k not in {"negation_cues", "recovery_keys"}}
    missing = [name for name in _CONTEXT_FIELDS if name not in table]
    if missing:
        raise RuleFileError(f"{lang} context: missing {missing}")
    compiled: dict[str, re.Pattern[str]] = {}
    for name in _CONTEXT_FIELDS:
        where = f"{lang} context {name}"
        pattern = str(table[name])
        if name in {
            "sentence_boundary",
            "clause_boundary",
            "first_person",
            "negation_released_after",
            "addressed_after",
            "lexicon_negated_after",
        }:
            compiled[name] = re.compile(_expand(pattern, fragments, where))
        else:
            compiled[name] = compile_pattern(pattern, lang=lang, fragments=fragments, where=where)
    verbs = _soften(_expand(str(table["third_person_verb"]), fragments, "third_person_verb"))
    # "there is", "it is", "this is" have no person behind the verb
    compiled["third_person_before"] = re.compile(
        r"(?<![a-z0-9])(?<!there )(?<!it )(?<!this )(?<!that )(?<!here )(?<!what )"
        rf"(?:{verbs})(?:\s+[a-z']+){{0,2}}\s*$"
    )
    if lang == "en":
        # anchored cues must be able to end at the match: drop the implicit right boundary
        for name in ("negated_before", "lexicon_negated"):
            expanded = _soften(_expand(str(table[name]), fragments, name))
            compiled[name] = re.compile(rf"(?<![a-z0-9])(?:{expanded})")
    leads = {name: lead for name, pattern in compiled.items() if (lead := lead_pattern(pattern))}
    optional: dict[str, re.Pattern[str]] = {}
    for name in _OPTIONAL_CONTEXT_FIELDS:
        if name in table:
            where = f"{lang} context {name}"
            compile_pattern(str(table[name]), lang=lang, fragments=fragments, where=where)
            expanded = _soften(_expand(str(table[name]), fragments, where))
            # anchored at the end, like negated_before (no right boundary)
            head = "(?<![a-z0-9])" if lang == "en" else ""
            optional[name] = re.compile(rf"{head}(?:{expanded})")
    groups = set(compiled["subject"].groupindex)
    if not {"self", "second", "other", "generic"} <= groups:
        raise RuleFileError(f"{lang} context subject: needs groups self, second, other, generic")
    return Context(**compiled, leads=leads, **optional)


def _load_language(raw: Mapping[str, Any], common: Mapping[str, str]) -> LanguageRules:
    lang = str(_need(raw, "lang", "rule file"))
    fragments = {**common, **raw.get("fragments", {})}
    rules = tuple(_rule(entry, lang, fragments) for entry in raw.get("rule", []))
    lexicon = tuple(_lexicon(entry, lang) for entry in raw.get("lexicon", []))
    idioms = tuple(_idiom(entry, lang, fragments) for entry in raw.get("idiom", []))
    context = _context(_need(raw, "context", lang), lang, fragments)
    threshold = float(raw.get("distress", {}).get("threshold", 1.0))
    recovery_keys = raw.get("context", {}).get("recovery_keys", [])
    if not isinstance(recovery_keys, list) or not all(
        isinstance(k, str) and k for k in recovery_keys
    ):
        raise RuleFileError(f"{lang} context: recovery_keys must be a list of keys")
    cues = raw.get("context", {}).get("negation_cues", [])
    if not isinstance(cues, list) or not cues or not all(isinstance(c, str) and c for c in cues):
        raise RuleFileError(f"{lang} context: negation_cues must list the negation words")

    seen: set[str] = set()
    for item_id in (*(r.id for r in rules), *(g.id for g in lexicon), *(i.id for i in idioms)):
        if item_id in seen:
            raise RuleFileError(f"duplicate id {item_id}")
        seen.add(item_id)

    by_key: dict[str, list[Rule]] = {}
    for rule in rules:
        for key in rule.keys:
            by_key.setdefault(key, []).append(rule)
    idioms_by_key: dict[str, list[Idiom]] = {}
    for idiom in idioms:
        for key in idiom.keys:
            idioms_by_key.setdefault(key, []).append(idiom)
    lexicon_words: dict[str, LexiconGroup] = {}
    for group in lexicon:
        for word in group.words:
            if word in lexicon_words:
                raise RuleFileError(f"{word!r} is in {lexicon_words[word].id} and {group.id}")
            lexicon_words[word] = group
    all_keys = set(by_key) | set(idioms_by_key) | set(recovery_keys)
    also_keys = {key for rule in rules for key in rule.also}
    if lang != "en":
        all_keys |= also_keys  # Chinese keys are substrings: found by the same search
    if lang == "en":
        # every English key, lexicon word and second gate, found by one scan of the text
        english_keys = all_keys | set(lexicon_words) | also_keys
        trie = _trie(english_keys)
        key_regex = re.compile(rf"({trie})(?![a-z0-9])")
        key_lead = re.compile(rf"[^a-z0-9]({trie})(?![a-z0-9])")
        key_prefixes = {
            key: tuple(
                prefix
                for size in range(1, len(key.split()) + 1)
                if (prefix := " ".join(key.split()[:size])) in english_keys
            )
            for key in english_keys
        }
    else:
        key_regex = key_lead = re.compile(r"(?!x)x")
        key_prefixes = {}
    return LanguageRules(
        lang=lang,
        rules=rules,
        lexicon=lexicon,
        idioms=idioms,
        context=context,
        distress_threshold=threshold,
        by_key={k: tuple(v) for k, v in by_key.items()},
        idioms_by_key={k: tuple(v) for k, v in idioms_by_key.items()},
        lexicon_words=lexicon_words,
        key_regex=key_regex,
        key_lead=key_lead,
        key_prefixes=key_prefixes,
        string_keys=tuple(sorted(all_keys)) if lang != "en" else (),
        string_key_regex=re.compile(
            "|".join(re.escape(k) for k in sorted(all_keys, key=lambda k: (-len(k), k)))
        )
        if lang != "en"
        else re.compile(r"(?!x)x"),
        string_key_prefixes={
            key: tuple(k for k in all_keys if key.startswith(k)) for key in all_keys
        }
        if lang != "en"
        else {},
        order={rule.id: index for index, rule in enumerate(rules)},
        negation_cues=tuple(cues),
        negation_cue=re.compile("|".join(map(re.escape, cues))),
        recovery_keys=frozenset(recovery_keys),
        recovery_lead=lead_pattern(context.recovery) if lang == "en" else None,
    )


def _trie(keys: Iterable[str]) -> str:
    """One pattern for many literal keys, factored by their common beginnings, so ``re``
    picks a branch by one character at each step instead of trying every key in turn.
    A space in a key matches any run of whitespace; where a key ends and a longer key goes
    on, the longer one is tried first."""
    tree: dict[str, Any] = {}
    for key in keys:
        node = tree
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(tree)


def _read(name: str) -> dict[str, Any]:
    path = resources.files("alongside.safety.detection") / "data" / name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"{name}: {exc}") from exc


def build(files: Mapping[str, Mapping[str, Any]]) -> RuleSet:
    """Compile parsed rule files (``common`` plus one per language); pure, for tests."""
    common = files["common"]
    fragments = {k: str(v) for k, v in common.get("fragments", {}).items()}
    languages = {
        lang: _load_language(raw, fragments) for lang, raw in files.items() if lang != "common"
    }
    obfuscation = common.get("obfuscation", {})
    sensitive = frozenset(str(w) for w in obfuscation.get("sensitive", []))
    words = frozenset(str(w) for w in obfuscation.get("common", []))
    for pack in languages.values():
        if pack.lang == "en":
            words |= frozenset(pack.lexicon_words)
    misspelled = obfuscation.get("misspelled", {})
    if not isinstance(misspelled, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and re.fullmatch(r"[a-z]+", k + v)
        for k, v in misspelled.items()
    ):
        raise RuleFileError("common.toml: [obfuscation.misspelled] maps lowercase words to words")
    finder = re.compile(rf"[^a-z0-9'](?:{_trie(misspelled)})(?![a-z0-9])") if misspelled else None
    return RuleSet(
        languages=languages,
        vocabulary=Vocabulary(
            sensitive, words, {str(k): str(v) for k, v in misspelled.items()}, finder
        ),
    )


@functools.cache
def ruleset() -> RuleSet:
    """The shipped rules, compiled on first use (a malformed file raises ``RuleFileError``)."""
    return build({"common": _read("common.toml"), "en": _read("en.toml"), "zh": _read("zh.toml")})

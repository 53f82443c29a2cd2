"""Markdown for posts: CommonMark in, sanitised HTML out; hashtags, mentions and excerpts.

Policy, in the order it is applied:

* Raw HTML is never interpreted (markdown-it ``html=False``): ``<script>`` shows as text.
* Links may point only to ``http``, ``https`` and ``mailto`` URLs. Anything else (including
  relative and scheme-relative links, which can be bent into open redirects or
  ``/\\evil.example``) is not a link: the Markdown source stays visible as text. Every link
  gets ``rel="nofollow ugc noopener noreferrer"`` and no ``target``.
* Images are never ``<img>``: a remote image is a tracking pixel that reports every reader's
  address, and new members may not post images. ``![alt](url)`` becomes a link to the URL
  whose text is the alt text (the URL when there is none); inside a link, just the alt text.
* Headings render as ``<p><strong>``. A post cannot outshout the page, and the page's heading
  outline stays the template's: screen-reader users move through a thread by headings, and one
  post's ``#`` lines must not become landmarks in that outline (a fixed demotion such as
  h1 -> h3 would still be wrong somewhere, because posts appear in threads, feeds, search
  results and notifications at different depths).
* A single newline is a line break (``breaks=True``): people write posts like messages.
* Strikethrough and tables are on. Bare ``http(s)://`` URLs are linked by this module's own
  linear scanner (markdown-it's linkify would need linkify-it-py, which we do not depend on).
* Explicit bidi overrides/embeddings/isolates (U+202A-U+202E, U+2066-U+2069) are removed before
  parsing: nobody types them on purpose, and they are the classic trick for making a link or
  file name read as something else. The marks U+200E/U+200F, which mixed-direction text does
  need, are kept.
* The HTML is then sanitised by nh3 (ammonia) against an explicit allow-list, so a bug in the
  steps above still cannot produce a script, an event handler, a style or an id.

Hostile input: markdown-it-py is linear but slow per markup token (10-40 µs each in CPython),
so 100 kB of ``[`` or ``|\\n`` takes over a second. Nesting is capped (``maxNesting`` 20), and a
text whose estimated parse cost exceeds ``MARKUP_BUDGET`` is rendered as plain text
(paragraphs, line breaks, hashtag/mention links, no other formatting) by a C-speed path
instead. Ordinary posts are well within the budget; forms can call ``markup_too_complex`` to
tell the writer before saving. All regular expressions here are linear (no nested quantifiers).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from alongside.core.lru import BoundedMemo

__all__ = [
    "HASHTAG_RE",
    "MARKUP_BUDGET",
    "MAX_HASHTAGS",
    "MAX_MENTIONS",
    "MENTION_RE",
    "extract_hashtags",
    "extract_mentions",
    "markup_too_complex",
    "plain_text",
    "render_markdown",
]

MAX_HASHTAGS = 10
MAX_MENTIONS = 10
TAG_MIN_LENGTH = 2
TAG_MAX_LENGTH = 40
USERNAME_MAX_LENGTH = 150  # Django's AbstractUser.username

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"
ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "hr",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
# ``rel`` is not listed: nh3 sets it on every link (``link_rel``) and refuses to also let it
# through from the input. ``ol start`` keeps "3. ..." numbered 3; it is filtered to digits.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "ol": frozenset({"start"}),
}


# --- character classes -----------------------------------------------------------------------
# Python's \w has letters and digits but not combining marks, so Devanagari, Thai or Arabic
# words with vowel signs would be cut in the middle. Collect the BMP's marks once (~5 ms at
# import); marks outside the BMP are rare in running text and are left out to keep that cheap.


def _mark_ranges() -> str:
    ranges: list[list[int]] = []
    for code in range(0x0300, 0x10000):
        if unicodedata.category(chr(code)) in ("Mn", "Mc"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_MARKS = _mark_ranges()
# ZWNJ/ZWJ are part of the spelling of words in Persian and several Indic scripts.
_WORD = rf"\w{_MARKS}\u200c\u200d"

# A tag must contain a letter ("#1" and "#2024" are not tags). ``[^\W\d_]`` is a letter; the
# lookahead's two classes are disjoint, so it cannot backtrack more than the tag's length.
_TAG_PATTERN = (
    rf"(?<![{_WORD}&/#=?\\])#"
    rf"(?=[\d_{_MARKS}\u200c\u200d]{{0,{TAG_MAX_LENGTH - 1}}}[^\W\d_])"
    rf"(?P<tag>\w[{_WORD}]{{{TAG_MIN_LENGTH - 1},{TAG_MAX_LENGTH - 1}}})(?![{_WORD}])"
)
_USER_PATTERN = (
    rf"(?<![\w{_MARKS}.+\-@/\\])@"
    rf"(?P<user>\w(?:[\w.@+\-]{{0,{USERNAME_MAX_LENGTH - 2}}}\w)?)(?!\w)"
)
# Only where a URL can start (not after a letter, digit or scheme character), so a long run of
# letters is tried once, not at every position.
_URL_PATTERN = (
    r"(?<![A-Za-z0-9+.\-])(?P<url>(?i:https?://|www\.)"
    r"[^\s<>\u3000-\u303f\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f]+)"
)

HASHTAG_RE = re.compile(_TAG_PATTERN)
"""A ``#tag``; group ``tag`` (as written: lower-case it). ``HASHTAG_RE.fullmatch("#" + name)``
validates a tag name. To find tags in a post use ``extract_hashtags``, which also skips code,
URLs and links; this pattern alone does not know where those are."""

MENTION_RE = re.compile(_USER_PATTERN)
"""``@username`` candidates; group ``user``, without trailing punctuation. Emails do not match
(the ``@`` must not follow a name character). Use ``extract_mentions``."""

_SCAN_RE = re.compile(f"{_URL_PATTERN}|{_TAG_PATTERN}|{_USER_PATTERN}")

# Bounds on the scanner's work per text (see _Scan).
_MAX_CANDIDATES = 1000
_MAX_LINKS = 100
_MAX_URL = 2048  # a longer bare URL stays text

_URL_TRAILING = ".,:;!?'\"*_~]}"
_ZERO_WIDTH_JOINERS = "\u200c\u200d"
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


# --- cost estimate ---------------------------------------------------------------------------
# Microseconds markdown-it-py spends per character, measured on adversarial inputs (a thousand
# repetitions of "[", "- [", "![", "<http://a>", "1. a\n", "a|b\n-|-\n", ...): each weight is
# the worst cost seen for that character in any context, so the sum is an upper bound for the
# parse. Characters not listed only end a run of text and cost about a microsecond, so they are
# left out; letters cost almost nothing.
_COSTS = {
    "\n": 32,  # every line runs the block rules; list items are the dearest
    "<": 40,  # autolink attempt
    "[": 28,  # link label scan (dearest inside list items and quotes)
    "]": 8,
    "!": 16,
    "*": 15,  # emphasis delimiters, balanced later
    "_": 10,
    "|": 20,  # table cells
    "~": 5,
    "`": 5,
    "&": 5,  # entity lookup
    **dict.fromkeys("#@:\\$%+=^{}>-()\"'", 3),
}
MARKUP_BUDGET = 20_000
"""Estimated parse cost (µs on the machine that measured ``_COSTS``) above which a text is
rendered as plain text. It bounds the Markdown path at about 25 ms on that machine; a
10 000-character post with a link and two bold phrases in every paragraph costs about 12 000."""


def _markup_cost(text: str) -> int:
    return sum(weight * text.count(ch) for ch, weight in _COSTS.items())


def markup_too_complex(text: str) -> bool:
    """True when the text has so much markup that it would be shown as plain text."""
    return _markup_cost(_prepare(text)) > MARKUP_BUDGET


def _prepare(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_BIDI_CONTROLS)
    # NFC so that a tag typed with combining accents is the same tag as the precomposed one.
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


# --- scanning text for URLs, hashtags and mentions -------------------------------------------


@dataclass
class _Scan:
    """What one render/extraction pass links and collects. Linked == extracted: the first
    ``MAX_HASHTAGS`` distinct tags and ``MAX_MENTIONS`` distinct people, in order.

    Work is bounded whatever the input: at most ``_MAX_CANDIDATES`` regex matches are looked
    at and at most ``_MAX_LINKS`` links are made; after that the rest is plain text."""

    tag_url: Callable[[str], str] | None = None
    mention_url: Callable[[str], str] | None = None
    linkify: bool = False
    tags: dict[str, str] = field(default_factory=dict)  # tag -> href ("" when not linking)
    mentions: dict[str, str] = field(default_factory=dict)  # casefolded -> as first written
    mention_hrefs: dict[str, str] = field(default_factory=dict)  # casefolded -> href
    candidates: int = 0
    links: int = 0

    def exhausted(self) -> bool:
        return self.candidates >= _MAX_CANDIDATES

    def tag_href(self, raw: str) -> str | None:
        """The link for this tag (``""``: do not link), or None when it is not a tag."""
        tag = raw.rstrip(_ZERO_WIDTH_JOINERS).lower()
        if len(tag) < TAG_MIN_LENGTH:
            return None
        if tag not in self.tags:
            if len(self.tags) >= MAX_HASHTAGS:
                return None
            self.tags[tag] = _site_url(self.tag_url(tag)) if self.tag_url else ""
        return self.tags[tag]

    def mention_href(self, raw: str) -> str | None:
        key = raw.casefold()
        if key not in self.mentions:
            if len(self.mentions) >= MAX_MENTIONS:
                return None
            self.mentions[key] = raw
            self.mention_hrefs[key] = _site_url(self.mention_url(raw)) if self.mention_url else ""
        return self.mention_hrefs[key]


def _site_url(url: str) -> str:
    """Percent-encode what the caller's URL function returned (``/tags/失眠/``); nh3 later
    decides whether it may stay."""
    return _MD.normalizeLink(url) if url else ""


@dataclass(frozen=True)
class _Piece:
    """A run of text, optionally a link (``href``) whose text is ``text``."""

    text: str
    href: str | None = None


def _trim_url(url: str) -> str:
    """Drop trailing punctuation that ends the sentence, not the URL; keep a ``)`` that closes
    a ``(`` inside the URL (Wikipedia links)."""
    end = len(url)
    unbalanced = url.count(")") - url.count("(")  # counted once: this loop stays linear
    while end:
        ch = url[end - 1]
        if ch == ")" and unbalanced > 0:
            unbalanced -= 1
        elif ch not in _URL_TRAILING:
            break
        end -= 1
    return url[:end]


def _pieces(
    text: str, scan: _Scan, md: MarkdownIt | None, protected: frozenset[int] = frozenset()
) -> Iterator[_Piece]:
    """Split plain text into text and links. ``protected`` holds offsets of ``#``/``@`` that
    the writer escaped (``\\#``, ``&#35;``): those never start a tag or mention."""
    pos = 0
    for match in _SCAN_RE.finditer(text):
        if scan.exhausted():
            break
        scan.candidates += 1
        start = match.start()
        shown = match.group(0)
        href: str | None
        if match.group("url") is not None:
            if not scan.linkify or md is None or shown[:4].lower() == "www.":
                continue
            if len(shown) > _MAX_URL * 2:
                continue
            url = _trim_url(shown)
            href = md.normalizeLink(url)
            if not md.validateLink(href) or not len("https://") < len(url) <= _MAX_URL:
                continue
            shown = md.normalizeLinkText(url)
            end = start + len(url)
        elif start in protected:
            continue
        elif match.group("tag") is not None:
            href = scan.tag_href(match.group("tag"))
            end = match.end()
        else:
            href = scan.mention_href(match.group("user"))
            end = match.end()
        if not href or scan.links >= _MAX_LINKS:
            continue  # not a tag/mention, not linking, or the caller chose not to link it
        scan.links += 1
        if start > pos:
            yield _Piece(text[pos:start])
        yield _Piece(shown, href)
        pos = end
    if pos < len(text):
        yield _Piece(text[pos:])


# --- markdown-it setup -----------------------------------------------------------------------

_SCAN_ENV_KEY = "alongside_scan"


class _PostMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        """Only absolute http(s)/mailto URLs. ``url`` is already normalised by markdown-it:
        entities decoded, whitespace and control characters percent-encoded, so
        ``java\\tscript:`` and ``&#106;avascript:`` arrive as something this rejects."""
        return _allowed_absolute_url(url)


_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,31}):")


def _allowed_absolute_url(url: str) -> bool:
    match = _SCHEME_RE.match(url)
    return match is not None and match.group(1).lower() in ALLOWED_SCHEMES


def _text_token(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _link_tokens(piece: _Piece) -> list[Token]:
    return [
        Token("link_open", "a", 1, attrs={"href": piece.href or ""}),
        _text_token(piece.text),
        Token("link_close", "a", -1),
    ]


def _flatten_images(tokens: Sequence[Token]) -> list[Token]:
    """Replace every image (at any depth of alt text) by its alt-text tokens."""
    out: list[Token] = []
    stack: list[Iterator[Token]] = [iter(tokens)]
    while stack:
        token = next(stack[-1], None)
        if token is None:
            stack.pop()
        elif token.type == "image":
            stack.append(iter(token.children or []))
        else:
            out.append(token)
    return out


def _image_as_link(token: Token) -> list[Token]:
    src = str(token.attrGet("src") or "")
    alt = _flatten_images(token.children or [])
    if not _allowed_absolute_url(src):
        return alt
    if not any(t.content.strip() for t in alt):
        alt = [_text_token(src)]
    return [
        Token("link_open", "a", 1, attrs={"href": src}),
        *alt,
        Token("link_close", "a", -1),
    ]


def _rewrite_children(children: list[Token], scan: _Scan, md: MarkdownIt) -> list[Token]:
    """Images become links; in text outside links, URLs/tags/mentions become links.

    Runs before markdown-it's ``text_join`` so escaped sigils are still separate
    ``text_special`` tokens and can be told apart from typed ones."""
    out: list[Token] = []
    run: list[Token] = []
    depth = 0

    def flush() -> None:
        if not run:
            return
        parts: list[str] = []
        protected: set[int] = set()
        offset = 0
        for token in run:
            if token.type == "text_special" and token.content in ("#", "@"):
                protected.add(offset)
            parts.append(token.content)
            offset += len(token.content)
        text = "".join(parts)
        pieces = list(_pieces(text, scan, md, frozenset(protected)))
        if all(piece.href is None for piece in pieces):
            out.extend(run)
        else:
            for piece in pieces:
                out.extend(_link_tokens(piece) if piece.href else [_text_token(piece.text)])
        run.clear()

    for token in children:
        if depth == 0 and token.type in ("text", "text_special"):
            run.append(token)
            continue
        flush()
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
        if token.type == "image":
            out.extend(_image_as_link(token) if depth == 0 else _flatten_images([token]))
        else:
            out.append(token)
    flush()
    return out


def _rewrite_inline(state: StateCore) -> None:
    scan = state.env.get(_SCAN_ENV_KEY)
    if not isinstance(scan, _Scan):
        scan = _Scan()
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = _rewrite_children(block.children, scan, state.md)


def _render_heading_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "<p><strong>"


def _render_heading_close(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</strong></p>\n"


def _render_image(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Never reached (images are rewritten into links), but an <img> must not appear even if
    # a future rule order changes that.
    return html.escape(self.renderInlineAsText(tokens[idx].children or [], options, env))


def _build_markdown() -> MarkdownIt:
    md = _PostMarkdown(
        "commonmark",
        {
            "html": False,
            "breaks": True,
            "linkify": False,
            "typographer": False,
            "xhtmlOut": False,
            "maxNesting": 20,
        },
    )
    md.enable(["strikethrough", "table"])
    md.core.ruler.before("text_join", "alongside_rewrite_inline", _rewrite_inline)
    md.add_render_rule("heading_open", _render_heading_open)
    md.add_render_rule("heading_close", _render_heading_close)
    md.add_render_rule("image", _render_image)
    return md


_MD = _build_markdown()


# --- sanitising ------------------------------------------------------------------------------


def _site_path(url: str) -> str | None:
    """Relative URLs survive only as site paths we generated (tag and mention links):
    ``/tags/x/`` yes; ``//host``, ``/\\host``, ``foo``, ``#x``, ``?x`` no."""
    if (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and "\\" not in url
        and url.isprintable()
        and " " not in url
    ):
        return url
    return None


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "ol" and attribute == "start":
        return value if value.isascii() and value.isdigit() and len(value) <= 9 else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    # "*" must be given (empty): otherwise ammonia keeps its default generic attributes,
    # ``title`` and ``lang``, on every tag.
    attributes={"*": set(), **{tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()}},
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes=set(ALLOWED_SCHEMES),
    url_relative=_site_path,
)


# nh3 0.3 (ammonia/html5ever) takes time quadratic in the length of one text node holding
# characters it writes back as entities ("&", U+00A0): 100 000 no-break spaces took 130 ms and
# 200 000 over half a second. Long runs of text are therefore cut into nodes of at most
# _TEXT_NODE_CHARS by an empty element that is not allowed, which nh3 drops: the output is the
# same text, and the clean stays linear. Runs between "<" and ">" in our raw HTML are text (the
# renderers escape "<" and ">" inside attribute values), and a cut never splits an entity.
_TEXT_NODE_CHARS = 2000
_LONG_TEXT_RE = re.compile(rf"[^<>]{{{_TEXT_NODE_CHARS + 1},}}")
_NODE_BREAK = "<span></span>"


def _cut_text_run(match: re.Match[str]) -> str:
    run = match.group()
    pieces: list[str] = []
    start = 0
    while len(run) - start > _TEXT_NODE_CHARS:
        cut = start + _TEXT_NODE_CHARS
        amp = run.rfind("&", cut - 32, cut)
        if amp > start and run.find(";", amp, cut) == -1:
            cut = amp
        pieces.append(run[start:cut])
        start = cut
    pieces.append(run[start:])
    return _NODE_BREAK.join(pieces)


def _clean(raw: str) -> str:
    if len(raw) > _TEXT_NODE_CHARS:
        raw = _LONG_TEXT_RE.sub(_cut_text_run, raw)
    return _CLEANER.clean(raw)


# --- plain-text path for over-budget input -----------------------------------------------------


_PLAIN_ESCAPES = str.maketrans({"&": "&#38;", "<": "&#60;", ">": "&#62;"})


def _render_plain(text: str, scan: _Scan) -> str:
    """Over-budget text: escaped, blank lines make paragraphs, newlines make ``<br>``; tags,
    mentions and bare URLs are still linked. Links never span lines (the patterns exclude
    whitespace), so splitting the escaped text on newlines is safe."""
    parts: list[str] = []
    for piece in _pieces(text, scan, _MD):
        # Quotes need no escaping in text; not escaping them keeps nh3's work (which grows
        # with the number of entities) down on quote-heavy input. Numeric references cost
        # nh3 half what named ones do; it writes them back as &amp; &lt; &gt; all the same.
        escaped = piece.text.translate(_PLAIN_ESCAPES)
        if piece.href:
            escaped = f'<a href="{html.escape(piece.href)}">{escaped}</a>'
        parts.append(escaped)
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in "".join(parts).split("\n"):
        if line.strip():
            lines.append(line)
        elif lines:
            paragraphs.append("<br>\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("<br>\n".join(lines))
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)


# --- public API ------------------------------------------------------------------------------


def render_markdown(
    text: str,
    *,
    tag_url: Callable[[str], str] | None = None,
    mention_url: Callable[[str], str] | None = None,
) -> str:
    """Safe HTML for a post (see the module docstring for the policy).

    ``tag_url(tag)`` gets the lower-cased tag, ``mention_url(username)`` the name as written;
    both return a URL (a site path like ``/tags/sleep/`` is fine) or ``""`` to leave that one
    unlinked. Only the first ``MAX_HASHTAGS``/``MAX_MENTIONS`` distinct ones are linked, the
    same ones ``extract_hashtags``/``extract_mentions`` return; link text stays as written.
    """
    text = _prepare(text)
    if not text.strip():
        return ""
    scan = _Scan(tag_url=tag_url, mention_url=mention_url, linkify=True)
    if _markup_cost(text) > MARKUP_BUDGET:
        raw = _render_plain(text, scan)
    else:
        raw = _MD.render(text, {_SCAN_ENV_KEY: scan})
    return _clean(raw)


def _scan(text: str) -> _Scan:
    text = _prepare(text)
    scan = _Scan()
    if _markup_cost(text) > MARKUP_BUDGET:
        for _piece in _pieces(text, scan, None):
            pass
    else:
        _MD.parse(text, {_SCAN_ENV_KEY: scan})
    return scan


def extract_hashtags(text: str) -> list[str]:
    """Distinct tags, lower-cased, in order of first appearance, at most ``MAX_HASHTAGS``.

    A tag is ``#`` + 2-40 letters/digits/underscores (any script, combining marks included)
    with at least one letter, not preceded by a word character (``C#``, ``issue#12``), not in
    code, URLs or link text, and not escaped (``\\#tag``)."""
    return list(_scan(text).tags)


def extract_mentions(text: str) -> list[str]:
    """Distinct ``@usernames`` as first written (compared case-insensitively, as usernames
    are looked up), in order, at most ``MAX_MENTIONS``. Trailing punctuation is not part of
    the name; emails, code, URLs, link text and ``\\@name`` are not mentions."""
    return list(_scan(text).mentions.values())


def _inline_text(children: Iterable[Token]) -> Iterator[str]:
    for token in _flatten_images(list(children)):
        if token.type in ("text", "text_special", "code_inline"):
            yield token.content
        elif token.type in ("softbreak", "hardbreak"):
            yield " "


def _cut(text: str, limit: int) -> str:
    """Cut to ``limit`` characters including the ellipsis, at a space when there is one in
    the last 40 % (CJK has none: cut anywhere, but never inside a combining sequence)."""
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space >= (limit - 1) * 0.6:
        cut = cut[:space]
    else:
        while cut and (
            unicodedata.category(text[len(cut)]).startswith("M")
            or text[len(cut)] in _ZERO_WIDTH_JOINERS
            or cut[-1] in _ZERO_WIDTH_JOINERS
        ):
            cut = cut[:-1]
    return cut.rstrip(" ,;:-–—") + "…"


#: Excerpts already made in this process, by a digest of the text and the limit: a thread
#: list shows twenty, and parsing each opening post again on every view was most of the
#: list's cost. A digest, not the text, is the key, so long posts are not kept in memory.
_EXCERPTS: BoundedMemo[tuple[bytes, int], str] = BoundedMemo(4096)


def plain_text(text: str, limit: int = 200) -> str:
    """A one-line excerpt of a post for notifications, feed previews and search snippets:
    no markup, whitespace collapsed, at most ``limit`` characters (ending in "…" when cut).

    The result is plain text, not HTML: let the template escape it."""
    if limit <= 0:
        return ""
    key = (
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest(),
        limit,
    )
    return _EXCERPTS.get_or_compute(key, lambda: _plain_text(text, limit))


def _plain_text(text: str, limit: int) -> str:
    text = _prepare(text)
    if _markup_cost(text) > MARKUP_BUDGET:
        parts: Iterable[str] = [text]
    else:
        parts = []
        for token in _MD.parse(text):
            if token.type == "inline":
                parts.extend(_inline_text(token.children or []))
            elif token.type in ("fence", "code_block"):
                parts.append(token.content)
            parts.append(" ")
    collapsed = " ".join("".join(parts).split())
    if len(collapsed) <= limit:
        return collapsed
    return _cut(collapsed, limit)

"""Post Markdown: hostile input renders inert, ordinary Markdown renders, hashtags and mentions
are found where a reader sees them (not in code, URLs or links), and it all stays fast."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alongside.core.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    HASHTAG_RE,
    LINK_REL,
    MARKUP_BUDGET,
    MAX_HASHTAGS,
    MAX_MENTIONS,
    MENTION_RE,
    extract_hashtags,
    extract_mentions,
    markup_too_complex,
    plain_text,
    render_markdown,
)


def tag_url(tag: str) -> str:
    return f"/tags/{tag}/"


def mention_url(username: str) -> str:
    return f"/people/{username}/"


def render(text: str) -> str:
    return render_markdown(text, tag_url=tag_url, mention_url=mention_url)


# --- an HTML audit that parses the output instead of grepping it ------------------------------


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[tuple[str | None, str]] = []  # (href, text)
        self._link_text: list[str] | None = None
        self._link_href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            if name not in allowed or name.startswith("on"):
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name == "rel" and value != LINK_REL:
                self.problems.append(f"rel={value!r}")
            if name == "href" and not _href_is_safe(value or ""):
                self.problems.append(f"href={value!r}")
        if tag == "a":
            if dict(attrs).get("rel") != LINK_REL:
                self.problems.append("link without rel")
            self._link_href = dict(attrs).get("href")
            self._link_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link_text is not None:
            self.links.append((self._link_href, "".join(self._link_text)))
            self._link_text = None

    def handle_data(self, data: str) -> None:
        if self._link_text is not None:
            self._link_text.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("CDATA/unknown declaration")


def _href_is_safe(href: str) -> bool:
    # What a browser would see as the scheme: it ignores ASCII whitespace and controls.
    squeezed = re.sub(r"[\x00-\x20\x7f]", "", href).lower()
    if squeezed.startswith(("http://", "https://", "mailto:")):
        return True
    return squeezed.startswith("/") and not squeezed.startswith("//") and "\\" not in squeezed


def audit(output: str) -> _Audit:
    parser = _Audit()
    parser.feed(output)
    parser.close()
    lowered = output.lower()
    for needle in ("<script", "<img", "<svg", "<iframe", "<style", "<object", "<math", "<form"):
        if needle in lowered:
            parser.problems.append(f"{needle} in output")
    return parser


def assert_safe(output: str) -> _Audit:
    result = audit(output)
    assert result.problems == [], (result.problems, output)
    return result


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src='https://evil.example'></iframe>",
    "<a href='javascript:alert(1)' target=_blank>x</a>",
    "<div onclick=alert(1) style='position:fixed;inset:0'>x</div>",
    "<p style='position:fixed;top:0'>fake banner</p>",
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<object data='javascript:alert(1)'></object>",
    "<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](java\tscript:alert(1))",
    "[x](<java\tscript:alert(1)>)",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](\x00javascript:alert(1))",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]: &#106;avascript:alert(1) 'title'",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/login)",
    "[x](/\\evil.example)",
    "[x](\\\\evil.example)",
    "[x](../../logout)",
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    "[x](https://ok.example 'it\\'s \"quoted\" <b>bold</b>')",
    '[x](https://ok.example/"><script>alert(1)</script>)',
    'https://ok.example/"><script>alert(1)</script>',
    '<http://ok.example/"onmouseover="alert(1)>',
    "[[[[[x](javascript:alert(1))]]]]",
    "[a [b [c](javascript:alert(1)) d] e](https://ok.example)",
    "![<img src=x onerror=alert(1)>](https://img.example/a.png)",
    "[![x](https://img.example/a.png)](javascript:alert(1))",
    "[\u202egnp.exe](https://evil.example/)",
    "\u202e@admin #\u2066help\u2069",
    "`<script>alert(1)</script>`",
    '```js" onload="alert(1)\n<script>alert(1)</script>\n```',
    "    <iframe src=//evil.example>",
    "| <b>a</b> | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "javascript:alert(1)",
    '#"><script>alert(1)</script> @"><svg/onload=alert(1)>',
    (
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
        '&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116">x</a>'
    ),
]

# Enough brackets to go over the markup budget, so the plain-text path sees the same payloads.
OVER_BUDGET = "[" * (MARKUP_BUDGET // 8) + "\n\n"


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_renders_inert(text: str) -> None:
    assert_safe(render(text))
    assert_safe(render_markdown(text))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_inert_on_the_plain_text_path_too(text: str) -> None:
    assert markup_too_complex(OVER_BUDGET + text)
    assert_safe(render(OVER_BUDGET + text))


def test_no_hostile_input_produces_a_link_to_anything_but_http_mailto_or_a_site_path() -> None:
    hrefs = [href for text in HOSTILE for href, _ in audit(render(text)).links if href]
    assert all(_href_is_safe(href) for href in hrefs)
    assert not any(h.startswith(("//", "/\\")) for h in hrefs)


def test_raw_html_is_shown_as_text() -> None:
    out = render("<b>hi</b> <script>alert(1)</script>")
    assert "&lt;b&gt;hi&lt;/b&gt;" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_disallowed_link_stays_visible_as_text_not_a_link() -> None:
    out = render("[click](javascript:alert(1))")
    assert audit(out).links == []
    assert "[click](javascript:alert(1))" in out


def test_bidi_override_characters_are_removed() -> None:
    out = render("[\u202egnp.exe](https://evil.example/) \u2066x\u2069 \u200fok")
    assert "\u202e" not in out
    assert "\u2066" not in out
    assert "\u200f" in out  # a mark, which mixed-direction text needs, is kept


def test_url_functions_returning_unsafe_urls_give_no_href() -> None:
    for bad in ("javascript:alert(1)", "//evil.example/", "/\\evil.example", "data:text/html,x"):

        def to_bad(_name: str, bad: str = bad) -> str:
            return bad

        out = render_markdown("#sleep @bob", tag_url=to_bad, mention_url=to_bad)
        result = assert_safe(out)
        # Either no href, or (for "/\\x") a percent-encoded path on this site.
        assert [href for href, _ in result.links] in ([None, None], ["/%5Cevil.example"] * 2)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "[",
                "]",
                "(",
                ")",
                "!",
                "*",
                "_",
                "`",
                "#",
                "@",
                "\n",
                " ",
                '"',
                "'",
                "&#106;",
                "&colon;",
                "javascript:",
                "data:",
                "https://",
                "//",
                "\\",
                "a",
                "onerror=",
                "<script>",
                "<img src=x ",
                "|",
                "-",
                "> ",
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_any_mix_of_markup_and_payload_fragments_renders_inert(text: str) -> None:
    assert_safe(render(text))


# --- ordinary Markdown --------------------------------------------------------------------------


def test_emphasis_strong_and_strikethrough() -> None:
    out = render("*soft* **strong** ~~gone~~")
    assert "<em>soft</em>" in out
    assert "<strong>strong</strong>" in out
    assert "<s>gone</s>" in out


def test_lists_keep_their_numbering() -> None:
    out = render("- one\n- two\n\n3. three\n4. four")
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in out
    assert '<ol start="3">' in out
    assert "<li>four</li>" in out


def test_blockquote() -> None:
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in render("> quoted")


def test_inline_code_and_code_block_escape_their_content() -> None:
    out = render("use `<b>` here\n\n```python\nif a < b:\n    pass\n```")
    assert "<code>&lt;b&gt;</code>" in out
    assert "<pre><code>if a &lt; b:\n    pass\n</code></pre>" in out
    assert "class=" not in out


def test_single_newline_is_a_line_break() -> None:
    assert render("first line\nsecond line") == "<p>first line<br>\nsecond line</p>\n"


def test_headings_are_bold_paragraphs_not_headings() -> None:
    out = render("# Big news\n## Smaller\nSetext\n===")
    assert "<h" not in out
    assert "<p><strong>Big news</strong></p>" in out
    assert "<p><strong>Setext</strong></p>" in out


def test_tables_render_without_style_attributes() -> None:
    out = render("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<table>" in out
    assert "<th>a</th>" in out
    assert "<td>2</td>" in out
    assert "style" not in out


def test_safe_links_get_rel_and_no_target() -> None:
    result = assert_safe(render("[help](https://example.org/help) <https://example.org/a>"))
    assert result.links == [
        ("https://example.org/help", "help"),
        ("https://example.org/a", "https://example.org/a"),
    ]
    out = render("[help](https://example.org/help)")
    assert out == (
        '<p><a href="https://example.org/help" rel="nofollow ugc noopener noreferrer">'
        "help</a></p>\n"
    )


def test_mailto_links_are_allowed() -> None:
    result = assert_safe(render("[write](mailto:help@example.org) <help@example.org>"))
    assert [href for href, _ in result.links] == [
        "mailto:help@example.org",
        "mailto:help@example.org",
    ]


def test_bare_urls_are_linked_without_trailing_punctuation() -> None:
    result = assert_safe(
        render("See https://example.org/page. And (https://en.wikipedia.org/wiki/Foo_(bar)).")
    )
    assert [href for href, _ in result.links] == [
        "https://example.org/page",
        "https://en.wikipedia.org/wiki/Foo_(bar)",
    ]


def test_relative_links_written_by_people_are_not_links() -> None:
    assert audit(render("[home](/settings/) [x](page.html) [y](?q=1)")).links == []


def test_images_become_links_to_their_url_with_alt_text() -> None:
    result = assert_safe(render("![a calm lake](https://img.example/lake.jpg)"))
    assert result.links == [("https://img.example/lake.jpg", "a calm lake")]


def test_image_without_alt_text_shows_its_url() -> None:
    result = assert_safe(render("![](https://img.example/lake.jpg)"))
    assert result.links == [("https://img.example/lake.jpg", "https://img.example/lake.jpg")]


def test_image_inside_a_link_is_just_its_alt_text() -> None:
    result = assert_safe(render("[![logo](https://img.example/l.png)](https://example.org)"))
    assert result.links == [("https://example.org", "logo")]


def test_empty_input_renders_nothing() -> None:
    assert render("") == ""
    assert render("  \n\n ") == ""


# --- hashtags and mentions: linking ---------------------------------------------------------


def test_hashtags_link_to_the_tag_url_with_the_text_as_written() -> None:
    result = assert_safe(render("Tonight #Sleep was hard #sleep"))
    assert result.links == [("/tags/sleep/", "#Sleep"), ("/tags/sleep/", "#sleep")]


def test_cjk_hashtag_links_survive_sanitising() -> None:
    result = assert_safe(render("#失眠 again"))
    assert result.links == [("/tags/%E5%A4%B1%E7%9C%A0/", "#失眠")]


def test_mentions_link_to_the_profile_url_with_the_text_as_written() -> None:
    result = assert_safe(render("thanks @Alice_B, and @carol."))
    assert result.links == [("/people/Alice_B/", "@Alice_B"), ("/people/carol/", "@carol")]


def test_tags_and_mentions_in_code_or_links_are_not_linked() -> None:
    result = assert_safe(
        render(
            "`#code @code`\n\n    #block\n\n[#tag @bob](https://example.org/#frag) <https://x.example/#t>"
        )
    )
    assert result.links == [
        ("https://example.org/#frag", "#tag @bob"),
        ("https://x.example/#t", "https://x.example/#t"),
    ]


def test_url_function_may_decline_to_link() -> None:
    out = render_markdown("@ghost #sleep", mention_url=lambda _u: "", tag_url=tag_url)
    assert audit(out).links == [("/tags/sleep/", "#sleep")]


def test_without_url_functions_nothing_is_linked() -> None:
    assert audit(render_markdown("#sleep @bob")).links == []


def test_only_the_extracted_tags_are_linked() -> None:
    text = " ".join(f"#tag{chr(ord('a') + i)}" for i in range(MAX_HASHTAGS + 2))
    linked = [href for href, _ in audit(render(text)).links]
    assert linked == [f"/tags/{tag}/" for tag in extract_hashtags(text)]
    assert len(linked) == MAX_HASHTAGS


def test_over_budget_text_is_plain_but_keeps_paragraphs_breaks_and_links() -> None:
    text = OVER_BUDGET + "**not bold** #sleep @bob\nnext line\n\nnew paragraph"
    out = render(text)
    assert "<strong>" not in out
    assert "**not bold**" in out
    assert "next line" in out
    assert "<br>" in out
    assert "<p>new paragraph</p>" in out
    assert audit(out).links == [("/tags/sleep/", "#sleep"), ("/people/bob/", "@bob")]


def test_markup_budget_leaves_ordinary_long_posts_alone() -> None:
    paragraph = (
        "Some days are **heavy**, and that's okay. I tried the _breathing_ thing from "
        "[this page](https://example.org/breathe) and it helped a little. #anxiety @sam\n"
    )
    post = (paragraph + "\n") * 30  # ~4 700 characters, 60 lines, 30 links and tags
    assert len(post) > 4500
    assert not markup_too_complex(post)
    assert "<strong>heavy</strong>" in render(post)


# --- hashtags and mentions: extraction ------------------------------------------------------


def test_hashtags_are_lower_cased_unique_in_order() -> None:
    assert extract_hashtags("#Sleep then #rest, #SLEEP and #Rest_Day.") == [
        "sleep",
        "rest",
        "rest_day",
    ]


def test_hashtags_in_any_script() -> None:
    assert extract_hashtags("#失眠 #불면증 #стресс #नींद #นอนไม่หลับ #café") == [
        "失眠",
        "불면증",
        "стресс",
        "नींद",
        "นอนไม่หลับ",
        "café",
    ]


def test_combining_accents_and_precomposed_are_the_same_tag() -> None:
    assert extract_hashtags("#cafe\u0301 #caf\u00e9") == ["caf\u00e9"]


def test_numbers_and_too_short_or_too_long_are_not_tags() -> None:
    assert extract_hashtags("#1 #123 #a #_ #__") == []
    assert extract_hashtags("#1st #ab") == ["1st", "ab"]
    assert extract_hashtags("#" + "a" * 40) == ["a" * 40]
    assert extract_hashtags("#" + "a" * 41) == []


def test_hash_inside_words_and_urls_is_not_a_tag() -> None:
    text = (
        "C# and issue#12, https://example.org/page#section www.example.org/#top "
        "[docs](https://example.org/#anchor) <https://example.org/#auto> &#35;entity \\#escaped"
    )
    assert extract_hashtags(text) == []


def test_tags_in_code_and_link_text_are_not_extracted() -> None:
    text = "`#inline`\n\n```\n#fenced\n```\n\n    #indented\n\n[#linktext](https://x.example)"
    assert extract_hashtags(text) == []


def test_at_most_ten_hashtags() -> None:
    text = " ".join(f"#t{i}x" for i in range(20))
    assert extract_hashtags(text) == [f"t{i}x" for i in range(MAX_HASHTAGS)]


def test_mentions_in_order_unique_case_insensitively_as_first_written() -> None:
    assert extract_mentions("@Alice hi @bob, @alice and @Bob!") == ["Alice", "bob"]


def test_mention_stops_at_trailing_punctuation_but_keeps_inner_dots() -> None:
    assert extract_mentions("(@sam.k) @jo-, @lee. @kim's @a+b") == [
        "sam.k",
        "jo",
        "lee",
        "kim",
        "a+b",
    ]


def test_emails_are_not_mentions() -> None:
    assert extract_mentions("write to a@b.com or first.last+tag@example.org") == []
    assert extract_mentions("<help@example.org> [mail](mailto:x@example.org)") == []


def test_mentions_in_code_urls_links_or_escaped_are_not_extracted() -> None:
    text = (
        "`@inline`\n\n```\n@fenced\n```\n\nhttps://social.example/@someone "
        "[@linked](https://x.example) \\@escaped"
    )
    assert extract_mentions(text) == []


def test_at_most_ten_mentions() -> None:
    text = " ".join(f"@user{i}" for i in range(15))
    assert extract_mentions(text) == [f"user{i}" for i in range(MAX_MENTIONS)]


def test_exported_regexes_match_the_documented_shapes() -> None:
    tag = HASHTAG_RE.search("tonight #失眠!")
    assert tag is not None
    assert tag.group("tag") == "失眠"
    assert HASHTAG_RE.search("C#") is None
    assert HASHTAG_RE.fullmatch("#sleep_2024") is not None
    assert HASHTAG_RE.fullmatch("#2024") is None  # no letter
    assert HASHTAG_RE.fullmatch("#" + "a" * 41) is None
    mention = MENTION_RE.search("hi @sam.k.")
    assert mention is not None
    assert mention.group("user") == "sam.k"
    assert MENTION_RE.search("a@b.com") is None


# --- plain-text excerpts ----------------------------------------------------------------------


def test_plain_text_drops_markup_and_collapses_whitespace() -> None:
    text = "# Title\n\n**bold** and _soft_   [a link](https://x.example)\n\n- one\n- two\n\n`code`"
    assert plain_text(text) == "Title bold and soft a link one two code"


def test_plain_text_keeps_raw_html_as_text_and_image_alt() -> None:
    assert plain_text("<b>hi</b> ![a lake](https://img.example/x.png)") == "<b>hi</b> a lake"


def test_plain_text_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    text = "I have been feeling much better since I started walking every morning"
    excerpt = plain_text(text, limit=30)
    assert excerpt == "I have been feeling much…"
    assert len(excerpt) <= 30
    assert plain_text(text, limit=len(text)) == text


def test_plain_text_memoises_excerpts_by_text_and_limit_within_a_bound(monkeypatch) -> None:
    from alongside.core import markdown
    from alongside.core.lru import BoundedMemo

    monkeypatch.setattr(markdown, "_EXCERPTS", BoundedMemo(3))
    calls: list[tuple[str, int]] = []
    real = markdown._plain_text

    def counting(text: str, limit: int) -> str:
        calls.append((text, limit))
        return real(text, limit)

    monkeypatch.setattr(markdown, "_plain_text", counting)
    text = "Some **days** are heavier than others, and that is all right."
    assert plain_text(text, 20) == plain_text(text, 20) == real(text, 20)
    assert plain_text(text, 200) == real(text, 200)  # another limit, another excerpt
    assert calls == [(text, 20), (text, 200)]
    assert plain_text(text + " Edited.", 20) == real(text + " Edited.", 20)  # new words
    for n in range(5):
        plain_text(f"post {n}", 20)
    assert len(markdown._EXCERPTS) == 3


def test_plain_text_without_spaces_is_cut_hard_but_not_inside_a_character() -> None:
    excerpt = plain_text("失眠" * 50, limit=10)
    assert excerpt == "失眠失眠失眠失眠失…"
    source = "นอนไม่หลับ" * 10
    thai = plain_text(source, limit=6)
    kept = thai.removesuffix("…")
    assert source.startswith(kept)
    # The next character is not a vowel sign or tone mark that belonged to the last letter.
    assert not unicodedata.category(source[len(kept)]).startswith("M")


def test_plain_text_limit_edge_cases() -> None:
    assert plain_text("", limit=10) == ""
    assert plain_text("hello world", limit=0) == ""
    assert plain_text("hello world", limit=1) == "…"


# --- hostile input is fast --------------------------------------------------------------------

# Measured while writing this (CPython 3.11, thread CPU time, best of 7, on a shared 2-core VM),
# render_markdown / extract_hashtags / plain_text, ms:
#   brackets 10.9/10.4/1.0   stars 10.6/10.5/1.0   backticks 5.2/5.2/0.5   nested quotes 6.4/2.2/0.3
#   long tag 7.4/7.4/7.2   at signs 9.1/9.0/1.0   intraword underscores 8.0/7.9/1.0
#   image openers 10.6/10.5/1.0   link openers 10.9/12.1/1.6   emphasis mix 10.2/9.6/2.4
#   glued urls 1.6/1.3/0.9   many mentions 2.6/1.8/2.4   tags mentions urls 10.8/1.9/1.4
#   url with parens 1.7/1.4/1.0   long username 7.8/7.4/7.5   nested lists 22.1/9.2/1.6
#   lines 40.1/8.2/1.6   angle brackets 45.8/10.5/1.0   table rows 61.3/10.7/1.6
#   entities 67.5/8.9/1.0  <- over 100 kB of "&", "<" or newlines, nh3 (html5ever) dominates:
#   it spends ~1 µs per entity or <br> in the (plain-text path) output.
# The slowest input that stays under MARKUP_BUDGET (Markdown path) took 24 ms. Without the
# budget, markdown-it-py took up to 2.1 s on these ("![" * 50000, table rows).
ADVERSARIAL = {
    "brackets": "[" * 100_000,
    "stars": "*" * 100_000,
    "backticks": "`" * 50_000,
    "nested quotes": "> " * 10_000,
    "long tag": "#" + "a" * 100_000,
    "at signs": "@" * 100_000,
    "intraword underscores": "a_" * 50_000,
    "image openers": "![" * 50_000,
    "link openers": "[](" * 33_000,
    "table rows": "a|b\n-|-\n" + "|\n" * 50_000,
    "entities": "&#" * 50_000,
    "lines": "a\n" * 50_000,
    "nested lists": "- a\n  - b\n" * 10_000,
    "emphasis mix": "*a **b " * 15_000,
    "angle brackets": "<" * 100_000,
    "glued urls": "https://a.b/" * 8_000,
    "many mentions": "@a " * 33_000,
    "tags mentions urls": "#ab @cd https://x.y/z " * 4_500,
    "url with parens": "https://x/" + ")" * 100_000,
    "long username": "@" + "a." * 50_000,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_input_is_fast(text: str) -> None:
    functions: list[Callable[[str], object]] = [
        render,
        extract_hashtags,
        extract_mentions,
        plain_text,
    ]
    for function in functions:
        started = time.perf_counter()
        function(text)
        elapsed = time.perf_counter() - started
        # Generous for shared CI runners; see the measured times above.
        assert elapsed < 0.5, (function.__name__, elapsed)
    assert_safe(render(text))

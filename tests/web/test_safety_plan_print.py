"""The safety plan page works as one printable, offline-friendly page: all six Stanley–Brown
steps plus reasons for living, the local crisis lines, no JavaScript needed, and a print
stylesheet that leaves out the site's navigation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from alongside.safety.directory import DATA_FILE
from alongside.safety.plan import SECTIONS

pytestmark = pytest.mark.django_db

SITE_CSS = DATA_FILE.parents[2] / "core" / "static" / "alongside" / "site.css"


def _print_rules() -> str:
    css = SITE_CSS.read_text(encoding="utf-8")
    start = css.index("@media print {")
    depth, end = 0, start
    for end in range(css.index("{", start), len(css)):
        depth += {"{": 1, "}": -1}.get(css[end], 0)
        if depth == 0:
            break
    return css[start : end + 1]


def test_an_empty_plan_lists_every_step_with_its_prompt(client: Client, make_user: Any) -> None:
    client.force_login(make_user(country="GB"))
    page = client.get("/safety-plan").content.decode()
    assert len(SECTIONS) == 7  # six Stanley–Brown steps and reasons for living
    for section in SECTIONS:
        assert str(section.title) in page
        assert str(section.prompt) in page
    assert "You can print this page, or save it" in page


def test_the_printed_plan_carries_the_local_crisis_lines(client: Client, make_user: Any) -> None:
    from alongside.safety.services import safety_plan_save

    user = make_user(country="AU")
    safety_plan_save(user_id=user.pk, sections={"reasons_for_living": "Biscuit the cat"})
    client.force_login(user)
    page = client.get("/safety-plan").content.decode()
    assert "Biscuit the cat" in page
    assert "Call 000 or your local emergency number." in page
    assert "Lifeline Australia" in page and 'href="tel:131114"' in page
    # Steps not written yet still print, with their prompt and room to write by hand.
    assert page.count('class="plan__write print-only"') == len(SECTIONS) - 1
    assert 'href="/help/grounding/"' in page


def test_the_page_needs_no_javascript(client: Client, make_user: Any) -> None:
    client.force_login(make_user())
    page = client.get("/safety-plan").content.decode()
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag, tag
    # The print button is an extra revealed by the shared script; the browser's own print
    # menu is always there.
    assert re.search(r"<button[^>]*data-print[^>]*hidden", page)


def test_the_print_stylesheet_leaves_out_navigation_and_fits_the_plan_on_a_page() -> None:
    rules = _print_rules()
    _media, hidden, declaration = rules.split("{", 2)
    assert declaration.strip().startswith("display: none")
    for part in (".help-bar", ".site-header", ".site-footer", ".no-print", ".messages"):
        assert part in hidden
    assert "@page" in rules
    assert ".plan__sections, .plan__outline { columns: 2;" in rules
    assert ".print-only { display: block; }" in rules
    assert "break-inside: avoid" in rules

"""Pure functions behind escaping, link hygiene, the CSP and the résumé search entries."""

from __future__ import annotations

import json

import pytest
from markupsafe import Markup

from inferfolio.portfolio import csp
from inferfolio.portfolio.escaping import add_noopener, escape_page_meta, json_for_script, plain_text
from inferfolio.portfolio.search_sections import sections

HOSTILE = ['</script><script>alert(1)</script>', "<!--<script>", "a & b > c", "line\u2028sep\u2029para", '"quoted"']


@pytest.mark.parametrize("value", HOSTILE)
def test_json_for_script_is_inert_inside_a_script_element_and_round_trips(value: str) -> None:
    text = json_for_script({"name": value, "list": [value]})
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in text
    assert json.loads(text) == {"name": value, "list": [value]}


def test_escape_page_meta_escapes_once_and_keeps_the_text() -> None:
    meta = {"title": 'A <b>"bold"</b> & title', "description": "plain", "date": "2026-01-01"}
    escape_page_meta(meta)
    escape_page_meta(meta)   # idempotent
    assert meta["title"] == Markup("A &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; title")
    assert plain_text(meta["title"]) == 'A <b>"bold"</b> & title'
    assert meta["date"] == "2026-01-01"


@pytest.mark.parametrize(("tag", "expected"), [
    ('<a href="https://github.com/x">', '<a href="https://github.com/x" rel="noopener">'),
    ('<a class="x" href="https://other.org/" rel="nofollow">', '<a class="x" href="https://other.org/" rel="nofollow noopener">'),
    ('<a href="https://other.org/" rel="noopener">', '<a href="https://other.org/" rel="noopener">'),
    ('<a href="https://example.org/page/">', '<a href="https://example.org/page/">'),          # the site itself
    ('<a href="../blog/">', '<a href="../blog/">'),
    ('<a href="mailto:a@b.c">', '<a href="mailto:a@b.c">'),
    ('<a title="x > y" href="https://other.org/">', '<a title="x > y" href="https://other.org/" rel="noopener">'),
])
def test_add_noopener(tag: str, expected: str) -> None:
    assert add_noopener(f"<p>{tag}text</a></p>", "https://example.org/") == f"<p>{expected}text</a></p>"


def test_inline_scripts_skip_data_blocks_and_external_files() -> None:
    page = ('<script>var a=1</script><script src="x.js"></script><script type="application/ld+json">{}</script>'
            '<script id="__config" type="application/json">{}</script><script type="module">import "x"</script>')
    assert csp.inline_scripts(page) == ["var a=1", 'import "x"']
    # Checked with: printf 'var a=1' | openssl dgst -sha256 -binary | base64
    assert csp.script_hash("var a=1") == "'sha256-WazVQOu5lmXfSreSrMJd1CsaQ4c00fUQpJfBYCuMSIw='"


def test_policy_meta_goes_first_in_the_head() -> None:
    page = '<html><head>\n<meta charset="utf-8">\n<script>x()</script></head></html>'
    out = csp.with_meta(page, csp.policy([csp.script_hash("x()")]))
    assert out.index('http-equiv="Content-Security-Policy"') < out.index("<script>")
    policy = csp.policy([])
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors" not in policy and "frame-ancestors 'self'" in csp.policy([], for_header=True)


def test_search_sections_cut_at_headings_with_ids() -> None:
    page = ('<article class="md-content__inner md-typeset"><p>Intro &amp; more</p>'
            '<h2 id="work">Work</h2><p>Alexa <b>notifications</b></p><svg><text>skip</text></svg>'
            '<h3 id="skills">Skills &lt;3</h3><ul><li>Bedrock</li></ul></article>')
    entries = sections(page, "resume/", "Résumé")
    assert entries == [
        {"location": "resume/", "title": "Résumé", "text": "Intro &amp; more"},
        {"location": "resume/#work", "title": "Work", "text": "Alexa notifications"},
        {"location": "resume/#skills", "title": "Skills &lt;3", "text": "Bedrock"},
    ]


def test_widgets_are_excluded_from_search() -> None:
    from inferlab.ui import render_widget

    assert render_widget("quant", "", widget_id="ifw-quant").count("data-search-exclude") == 1
    marked = '<p>Prose</p><section class="ifw" data-widget="quant" data-search-exclude><section><h3 id="w">Widget</h3></section><select><option>Q4_K_M</option></select></section><p>After</p>'
    page = f'<article class="md-content__inner md-typeset">{marked}<h2 id="next">Next</h2><p>More</p></article>'
    entries = sections(page, "", "Home")
    assert entries == [{"location": "", "title": "Home", "text": "Prose After"},
                       {"location": "#next", "title": "Next", "text": "More"}]

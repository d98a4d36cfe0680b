"""Property-based tests of the résumé loader and post front matter (hypothesis).

Thousands of generated documents each: random text, random YAML values,
and the real files with one line broken.  The only exception allowed is the
plugin's :class:`SchemaError`, whose every problem names a line inside the
file (or 0 for the whole file) and says what is wrong; nothing hangs (a
generous per-example deadline guards against runaway inputs such as nested
aliases, not speed).  YAML syntax errors point at the line of the mistake.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferfolio.portfolio.posts import front_matter_schema, parse_post
from inferfolio.portfolio.resume import resume_schema
from inferfolio.portfolio.schema import SchemaError, validate
from inferfolio.portfolio.xmltext import xml_problems

ROOT = Path(__file__).resolve().parents[2]
RESUME_TEXT = (ROOT / "docs" / "resume.yml").read_text(encoding="utf-8")
RESUME_LINES = RESUME_TEXT.split("\n")
POST_TEXT = next((ROOT / "posts").glob("*.md")).read_text(encoding="utf-8")
POST_SCHEMA = front_matter_schema(["llama.cpp", "LLM Inference", "System Design", "Distributed Systems"], ["harshit"])
RESUME_SCHEMA = resume_schema(lambda uri: True)

FUZZ = settings(max_examples=1000, deadline=dt.timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])


def load_resume_text(text: str) -> object:
    """What load_resume does with the file's text (without the file)."""
    problems = xml_problems(text, "text")
    if problems:
        raise SchemaError("docs/resume.yml", problems)
    return validate(text, RESUME_SCHEMA, "docs/resume.yml")


def check_error(error: SchemaError, text: str, filename: str) -> None:
    lines = text.count("\n") + 2
    assert error.problems
    for problem in error.problems:
        assert 0 <= problem.line <= lines, (problem, lines)
        assert problem.message.strip()
    assert str(error).startswith(f"{len(error.problems)} problem")
    assert filename in str(error)


yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=80),
                         st.dates().map(str))
yaml_values = st.recursive(yaml_scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)), max_leaves=12)
resume_keys = st.sampled_from(["name", "headline", "summary", "stats", "experience", "projects", "radar", "skills",
                               "contact", "kicker", "location", "email", "links", "value", "label", "level", "skill"])


@FUZZ
@given(st.text(max_size=400))
def test_resume_loader_on_any_text(text: str) -> None:
    try:
        load_resume_text(text)
    except SchemaError as error:
        check_error(error, text, "docs/resume.yml")


@FUZZ
@given(st.dictionaries(resume_keys, yaml_values, max_size=12))
def test_resume_loader_on_any_yaml_mapping(data: dict) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        load_resume_text(text)
    except SchemaError as error:
        check_error(error, text, "docs/resume.yml")


@FUZZ
@given(st.integers(0, len(RESUME_LINES) - 1), st.text(max_size=60), st.sampled_from(["replace", "insert", "append"]))
def test_resume_with_one_line_broken(index: int, junk: str, how: str) -> None:
    lines = list(RESUME_LINES)
    if how == "replace":
        lines[index] = junk
    elif how == "insert":
        lines.insert(index, junk)
    else:
        lines[index] += junk
    text = "\n".join(lines)
    try:
        load_resume_text(text)
    except SchemaError as error:
        check_error(error, text, "docs/resume.yml")


@FUZZ
@given(st.text(max_size=300), st.text(max_size=200))
def test_post_parser_on_any_front_matter_and_body(front: str, body: str) -> None:
    text = f"---\n{front}\n---\n{body}"
    try:
        parse_post(text, "posts/fuzz.md", POST_SCHEMA)
    except SchemaError as error:
        check_error(error, text, "posts/fuzz.md")


@FUZZ
@given(st.dictionaries(st.sampled_from(["title", "date", "description", "categories", "tags", "authors", "draft",
                                        "slug", "readtime", "pin", "comments", "other"]), yaml_values, max_size=10))
def test_post_parser_on_any_yaml_front_matter(meta: dict) -> None:
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n\nIntro.\n\n<!-- more -->\n\nBody.\n"
    try:
        parse_post(text, "posts/fuzz.md", POST_SCHEMA)
    except SchemaError as error:
        check_error(error, text, "posts/fuzz.md")


@FUZZ
@given(st.integers(1, POST_TEXT.split("\n---")[0].count("\n")), st.text(max_size=60))
def test_real_post_with_one_front_matter_line_broken(index: int, junk: str) -> None:
    lines = POST_TEXT.split("\n")
    lines[index] = junk
    text = "\n".join(lines)
    try:
        parse_post(text, "posts/fuzz.md", POST_SCHEMA)
    except SchemaError as error:
        check_error(error, text, "posts/fuzz.md")


# -- YAML syntax errors point at the line of the mistake --------------------------------------

TOP_LEVEL = [i for i, line in enumerate(RESUME_LINES) if line and not line[0].isspace() and not line.startswith("#")]
MISTAKES = {
    "key: value: more": "mapping values are not allowed here",
    "\tname: tab-indented": "cannot start any token",
    "contact: {open: mapping": "",
}


@settings(max_examples=300, deadline=dt.timedelta(seconds=5))
@given(st.sampled_from(TOP_LEVEL[1:]), st.sampled_from(sorted(MISTAKES)))
def test_yaml_syntax_error_names_the_line_of_the_mistake(index: int, mistake: str) -> None:
    lines = list(RESUME_LINES)
    lines.insert(index, mistake)    # the mistake is now line index + 1
    text = "\n".join(lines)
    with pytest.raises(SchemaError) as info:
        load_resume_text(text)
    problem = info.value.problems[0]
    assert "invalid YAML" in problem.message
    # The error is reported where PyYAML notices it; the mistake's own line is then named as the context.
    assert problem.line == index + 1 or f"on line {index + 1})" in problem.message, (mistake, problem)
    assert MISTAKES[mistake] in problem.message


def test_nested_aliases_are_refused_at_their_line() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    with pytest.raises(SchemaError, match=r"docs/resume.yml:2: \(document\): invalid YAML: aliases"):
        load_resume_text(laughs)


@pytest.mark.parametrize("text", ["[" * 5000, "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200))])
def test_deep_nesting_is_refused(text: str) -> None:
    with pytest.raises(SchemaError, match="nested more than 50 levels deep"):
        load_resume_text(text)


def test_huge_numbers_are_refused_not_parsed() -> None:
    lines = list(RESUME_LINES)
    number = next(i for i, line in enumerate(lines) if line.strip().startswith("level:"))
    lines[number] = lines[number].split(":")[0] + ": " + "9" * 6000
    with pytest.raises(SchemaError, match=rf"docs/resume.yml:{number + 1}: radar\[0\].level: '9999"):
        load_resume_text("\n".join(lines))

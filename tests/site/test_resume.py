"""The résumé loader: valid data loads; each kind of mistake names file, line, field, value and what is expected."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from inferfolio.portfolio.resume import load_resume
from inferfolio.portfolio.schema import SchemaError

ROOT = Path(__file__).resolve().parents[2]
RESUME = ROOT / "docs" / "resume.yml"
PAGES = {"projects/hadoop-dynamic-scaling.md", "projects/ecommerce-concurrency-engine.md", "projects/genai-worksheets.md"}


def page_exists(uri: str) -> bool:
    return uri in PAGES


def test_the_sites_resume_is_valid() -> None:
    resume = load_resume(RESUME, page_exists)
    assert resume["name"] == "Harshit Joshi"
    assert [job["end"] for job in resume["experience"]][0] == "present"
    assert {p["page"] for p in resume["projects"]} == PAGES
    assert all(0 <= axis["level"] <= 100 for axis in resume["radar"])


def _with_change(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(RESUME.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "resume.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


# (description, edit, field path, text expected in the message, text on the reported line)
BAD_INPUTS = [
    ("missing name", lambda d: d.pop("name"), "name", "is missing; expected text", None),
    ("empty headline", lambda d: d.__setitem__("headline", ""), "headline", "'' is not allowed; expected text of 1 to 200", "headline:"),
    ("name is a list", lambda d: d.__setitem__("name", ["a", "b"]), "name", "a list is not allowed", "- a"),
    ("typo in a field name", lambda d: d.__setitem__("sumary", "x"), "sumary", "unknown field; allowed fields: name,", "sumary:"),
    ("bad start month", lambda d: d["experience"][0].__setitem__("start", "2023-13"), "experience[0].start", "'2023-13' is not allowed; expected YYYY or YYYY-MM", "2023-13"),
    ("end before start", lambda d: d["experience"][1].__setitem__("end", "2016"), "experience[1].end", "'2016' is before start '2018'", "'2016'"),
    ("end is a word", lambda d: d["experience"][1].__setitem__("end", "now"), "experience[1].end", "expected YYYY or YYYY-MM or 'present'", "end: now"),
    ("no bullets", lambda d: d["experience"][0].__setitem__("bullets", []), "experience[0].bullets", "a list of 0 entries is not allowed; expected 1 to 8", "bullets: []"),
    ("project page missing", lambda d: d["projects"][0].__setitem__("page", "projects/nope.md"), "projects[0].page", "'projects/nope.md' is not a page of this site", "projects/nope.md"),
    ("project page not markdown", lambda d: d["projects"][0].__setitem__("page", "https://example.com"), "projects[0].page", "expected the path of a page under docs/", "example.com"),
    ("radar level too high", lambda d: d["radar"][0].__setitem__("level", 140), "radar[0].level", "'140' is not allowed; expected an integer from 0 to 100", "level: 140"),
    ("radar level not a number", lambda d: d["radar"][1].__setitem__("level", "high"), "radar[1].level", "'high' is not allowed; expected an integer from 0 to 100", "level: high"),
    ("radar too small", lambda d: d.__setitem__("radar", d["radar"][:2]), "radar", "a list of 2 entries is not allowed; expected 3 to 12", None),
    ("bad link url", lambda d: d.__setitem__("links", [{"label": "Site", "url": "example.org/x"}]), "links[0].url", "expected an absolute URL", "example.org/x"),
    ("bad email", lambda d: d.__setitem__("email", "not-an-email"), "email", "expected an e-mail address", "not-an-email"),
    ("stat value too long", lambda d: d["stats"][0].__setitem__("value", "a very long value"), "stats[0].value", "expected text of 1 to 12", "a very long value"),
    ("contact button without url", lambda d: d["contact"].__setitem__("button", "Write to me"), "contact.url", "is missing; expected button and url together", None),
    ("contact url without button", lambda d: d["contact"].__setitem__("url", "https://example.org/"), "contact.button", "is missing; expected button and url together", None),
    ("contact without heading", lambda d: d["contact"].pop("heading"), "contact.heading", "is missing; expected text", None),
    ("skills items not a list", lambda d: d["skills"][0].__setitem__("items", "Java"), "skills[0].items", "'Java' is not allowed; expected a list", "items: Java"),
]


@pytest.mark.parametrize(("edit", "field", "expected", "line_text"), [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_bad_resume_names_file_line_field_value_and_expectation(tmp_path: Path, edit, field: str, expected: str, line_text: str | None) -> None:  # type: ignore[no-untyped-def]
    path = _with_change(tmp_path, edit)
    with pytest.raises(SchemaError) as info:
        load_resume(path, page_exists, display_name="docs/resume.yml")
    message = str(info.value)
    problem = next(p for p in info.value.problems if p.path == field)
    assert expected in problem.message, message
    assert f"docs/resume.yml:{problem.line}: {field}: " in message
    if line_text is not None:
        assert problem.line == _line_of(path, line_text), message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def edit(d):  # type: ignore[no-untyped-def]
        d.pop("name")
        d["radar"][0]["level"] = -1
    with pytest.raises(SchemaError) as info:
        load_resume(_with_change(tmp_path, edit), page_exists)
    assert {p.path for p in info.value.problems} == {"name", "radar[0].level"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: [unclosed", "invalid YAML"),
        ("", "the document is empty"),
        ("- just\n- a list\n", "a list is not allowed; expected a mapping with keys name, headline"),
    ],
)
def test_unparseable_resume(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "resume.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match="resume.yml"):
        load_resume(path, page_exists)
    with pytest.raises(SchemaError) as info:
        load_resume(path, page_exists)
    assert expected in str(info.value)


def test_missing_resume_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="file not found"):
        load_resume(tmp_path / "nope.yml", page_exists, display_name="docs/nope.yml")

"""JSON Resume in and out: a complete sample reads with every section, is published as it was read, and the
site's own format converts to a document that follows the v1.0.0 schema's shapes; mistakes in JSON name
file, line, field, value and what is allowed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from PIL import Image

import jsonresume_shapes
from inferfolio.portfolio.resume import JSONRESUME_KEYS, jsonresume_text, read_resume
from inferfolio.portfolio.resume_fields import resume_sections
from inferfolio.portfolio.resume_formats import JSONRESUME_SCHEMA_URL, to_jsonresume, to_view
from inferfolio.portfolio.schema import SchemaError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "jsonresume" / "complete.json"
SITE_RESUME = ROOT / "docs" / "resume.yml"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A docs folder with the sample's photo (made here) and its one project page."""
    folder = tmp_path / "docs"
    (folder / "images").mkdir(parents=True)
    Image.new("RGB", (600, 800), (70, 90, 160)).save(folder / "images" / "rosa.jpg")
    (folder / "projects").mkdir()
    (folder / "projects" / "walcheck.md").write_text("# walcheck\n", encoding="utf-8")
    return folder


def _read(path: Path, docs: Path, name: str = "docs/resume.json"):  # type: ignore[no-untyped-def]
    def find_file(uri: str) -> Path | None:
        return docs / uri if (docs / uri).is_file() else None

    return read_resume(path, page_exists=lambda uri: (docs / uri).is_file(), display_name=name, find_file=find_file)


def _sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_sample_has_every_section_of_the_schema() -> None:
    """The fixture really is complete: every top-level property of JSON Resume v1.0.0 but $schema."""
    expected = set(jsonresume_shapes.SCHEMA["object"]) - {"$schema"}
    assert set(_sample()) == expected
    assert jsonresume_shapes.problems(_sample()) == []


def test_sample_reads_into_every_section_of_the_page(docs: Path) -> None:
    resume = _read(SAMPLE, docs)
    view = resume.view
    assert resume.source_format == "jsonresume"
    assert (view["name"], view["headline"]) == ("Rosa Vega", "Storage engineer who makes databases boring to operate")
    assert view["location"] == "San Francisco, California, US"
    assert view["photo"] == "images/rosa.jpg"
    assert [link["label"] for link in view["links"]] == ["GitHub", "Mastodon", "Matrix"]
    assert "url" not in view["links"][2] and view["links"][2]["username"] == "@rvega:example.org"
    counts = {key: len(view.get(key, [])) for key in ("experience", "volunteer", "education", "awards", "certificates",
                                                      "publications", "skills", "languages", "interests", "references",
                                                      "projects", "talks", "sections", "stats", "radar")}
    assert counts == {"experience": 2, "volunteer": 1, "education": 2, "awards": 2, "certificates": 1, "publications": 2,
                      "skills": 3, "languages": 2, "interests": 2, "references": 1, "projects": 2, "talks": 1,
                      "sections": 1, "stats": 2, "radar": 4}
    # No endDate: the current role; the extension block's extras joined by name.
    assert view["experience"][0]["end"] == "present" and view["experience"][1]["end"] == "2021-02-28"
    assert view["projects"][0]["page"] == "projects/walcheck.md" and view["projects"][0]["tags"] == ["Rust", "CLI", "WAL"]
    assert "page" not in view["projects"][1]
    talk = view["talks"][0]
    assert (talk["title"], talk["event"], talk["date"]) == ("Compaction you can reason about",
                                                            "Storage Systems Conference 2023", "2023-10-12")
    assert [link["label"] for link in talk["links"]] == ["Slides", "Video"]
    paper = view["publications"][0]
    assert paper["authors"][0] == "Rosa Vega" and paper["venue"] == "Workshop on Storage Systems"
    assert view["education"][0]["degree"] == "Master of Science" and view["contact"]["button"] == "Write to Rosa"


def test_jsonresume_input_is_published_as_it_was_read(docs: Path) -> None:
    resume = _read(SAMPLE, docs)
    written = json.loads(jsonresume_text(resume.jsonresume, image_url="https://rosa.example.org/assets/images/p.jpg",
                                         canonical_url="https://rosa.example.org/elsewhere/resume.json"))
    expected = _sample()
    expected["basics"]["image"] = "https://rosa.example.org/assets/images/p.jpg"
    assert written == {"$schema": JSONRESUME_SCHEMA_URL, **expected}   # the author's own meta.canonical is kept
    assert jsonresume_shapes.problems(written) == []


def test_jsonresume_written_as_yaml_reads_the_same(docs: Path, tmp_path: Path) -> None:
    path = tmp_path / "resume.yml"
    path.write_text(yaml.safe_dump(_sample(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert _read(path, docs, "docs/resume.yml").jsonresume == _read(SAMPLE, docs).jsonresume


def test_site_format_converts_to_jsonresume_and_back() -> None:
    pages = {"projects/hadoop-dynamic-scaling.md", "projects/ecommerce-concurrency-engine.md", "projects/genai-worksheets.md"}
    resume = read_resume(SITE_RESUME, page_exists=pages.__contains__)
    native = yaml.safe_load(SITE_RESUME.read_text(encoding="utf-8"))
    assert resume.source_format == "native"
    assert resume.view == {**native, "links": native.get("links", [])}
    written = json.loads(jsonresume_text(resume.jsonresume))
    assert jsonresume_shapes.problems(written) == []
    assert not set(written) - set(JSONRESUME_KEYS) - set(jsonresume_shapes.SCHEMA["object"])
    extension = written["meta"]["inferfolio"]
    assert extension["radar"] == native["radar"] and extension["contact"] == native["contact"]
    assert extension["projects"]["GenAI Worksheets Research"]["page"] == "projects/genai-worksheets.md"


def test_every_site_field_survives_the_round_trip(docs: Path) -> None:
    """A résumé in the site's format with every section: view(to_jsonresume(x)) == x."""
    sections = resume_sections(lambda uri: True)
    native = {
        "name": "Rosa Vega", "headline": "Storage engineer", "summary": "Logs and compaction.", "kicker": "Storage",
        "location": "San Francisco", "email": "rosa@example.org", "phone": "+1 555 0100", "url": "https://rosa.example.org",
        "photo": "images/rosa.jpg", "links": [{"label": "GitHub", "url": "https://github.com/rvega"}],
        "stats": [{"value": "10+", "label": "years"}], "radar": [{"skill": s, "level": 50} for s in "abc"],
        "contact": {"heading": "Hi", "text": "Write."}, "sections": [{"title": "Open source", "entries": [{"title": "x"}]}],
        "experience": [{"company": "N", "role": "E", "start": "2021", "end": "present", "summary": "S", "bullets": ["b"],
                        "location": "SF", "description": "Cloud", "url": "https://n.example.com"}],
        "education": [{"institution": "U", "degree": "MS", "area": "CS", "start": "2013", "end": "2015", "score": "4",
                       "courses": ["c"], "url": "https://u.example.edu"}],
        "projects": [{"title": "w", "tagline": "t", "summary": "s", "page": "projects/walcheck.md", "tags": ["r"],
                      "metric": {"value": "3", "label": "s"}, "bullets": ["b"], "start": "2020", "end": "2021",
                      "url": "https://w.example.com", "links": [{"label": "Docs", "url": "https://w.example.com/d"}]}],
        "publications": [{"title": "P", "authors": ["Rosa Vega"], "venue": "V", "date": "2019", "summary": "s",
                          "url": "https://p.example.org", "links": [{"label": "PDF", "url": "https://p.example.org/p"}]}],
        "talks": [{"title": "T", "event": "Conf", "date": "2023-10", "summary": "s", "url": "https://c.example.com",
                   "links": [{"label": "Slides", "url": "https://c.example.com/s"}]}],
        "awards": [{"title": "A", "awarder": "W", "date": "2019", "summary": "s"}],
        "certificates": [{"name": "C", "issuer": "I", "date": "2022-11-07", "url": "https://c.example.com/c"}],
        "volunteer": [{"organization": "O", "role": "R", "start": "2018", "end": "present", "summary": "s", "bullets": ["b"],
                       "url": "https://o.example.net"}],
        "skills": [{"category": "K", "items": ["i"], "level": "Master"}],
        "languages": [{"language": "English", "fluency": "Native"}],
        "interests": [{"name": "Climbing", "items": ["bouldering"]}],
        "references": [{"name": "Sam", "reference": "Good."}],
    }
    for section in sections:
        assert {spec.native for spec in section.specs if spec.native} <= set(native[section.native][0]), section.native
    document = to_jsonresume(copy.deepcopy(native), sections)
    assert to_view(document, sections) == native
    assert jsonresume_shapes.problems(json.loads(jsonresume_text(document))) == []
    # The file itself validates in the site's format too (photo and project page exist in `docs`).
    path = docs.parent / "resume.yml"
    path.write_text(yaml.safe_dump(native, sort_keys=False), encoding="utf-8")
    assert _read(path, docs, "docs/resume.yml").view == native


def test_shape_checker_can_fail() -> None:
    broken = {"basics": {"name": 3, "email": "nope", "profiles": {}}, "work": [{"startDate": "2020-1"}], "team": []}
    found = jsonresume_shapes.problems(broken)
    assert set(found) == {"basics.name: int is not a string", "basics.email: 'nope' is not an e-mail address",
                          "basics.profiles: dict is not an array",
                          "work[0].startDate: '2020-1' does not match the iso8601 pattern",
                          "team: additional property not allowed"}


def test_built_site_publishes_resume_json_next_to_the_resume(built_site: Path) -> None:
    written = json.loads((built_site / "resume" / "resume.json").read_text(encoding="utf-8"))
    assert jsonresume_shapes.problems(written) == []
    assert written["basics"]["name"] == "Harshit Joshi" and written["meta"]["canonical"].endswith("/resume/resume.json")
    page = (built_site / "resume" / "index.html").read_text(encoding="utf-8")
    assert '<a href="resume.json" type="application/json">JSON Resume</a>' in page
    assert 'rel="alternate" type="application/json"' not in page   # Material would fetch resume/sitemap.xml
    assert not (built_site / "resume.yml").exists()


# -- mistakes in a JSON Resume, with the line they are on --------------------------------------------------


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ('"startDate": "2021-03"', '"startDate": "2021-13"', "work[0].startDate",
     "'2021-13' is not allowed; expected YYYY, YYYY-MM or YYYY-MM-DD"),
    ('"position": "Software Engineer"', '"postion": "Software Engineer"', "work[1].postion", "unknown field; allowed fields: name, position"),
    ('"label": "Storage engineer who makes databases boring to operate",', "", "basics.label", "is missing; expected text"),
    ('"endDate": "2021-02-28"', '"endDate": "2014"', "work[1].endDate", "'2014' is before start '2015-06-01'"),
    ('"email": "rosa.vega@example.org"', '"email": "rosa.vega"', "basics.email", "'rosa.vega' is not allowed; expected an e-mail"),
    ('"countryCode": "US"', '"countryCode": "USA"', "basics.location.countryCode", "expected a two-letter country code"),
    ('"image": "images/rosa.jpg"', '"image": "https://gravatar.example.com/avatar/1.jpg"', "basics.image",
     "the site makes no request to other hosts"),
    ('"image": "images/rosa.jpg"', '"image": "images/nobody.jpg"', "basics.image", "is not a file of this site"),
    ('"walcheck": {', '"walchek": {', "meta.inferfolio.projects.walchek", "no entry of projects is named 'walchek'"),
    ('"name": "Snapshot service redesign"', '"name": "walcheck"', "projects[1].name", "'walcheck' is also the name of projects[0]"),
    ('"level": 90', '"level": 900', "meta.inferfolio.radar[0].level", "'900' is not allowed; expected an integer from 0 to 100"),
    ('"page": "projects/walcheck.md"', '"page": "projects/nope.md"', "meta.inferfolio.projects.walcheck.page",
     "'projects/nope.md' is not a page of this site"),
    ('"date": "2022-11-07"', '"date": "2022-11"', "certificates[0].date", "expected a date YYYY-MM-DD"),
])
def test_mistakes_name_line_field_value_and_what_is_allowed(docs: Path, tmp_path: Path, old: str, new: str,
                                                             field: str, message: str) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert old in text
    line = _line_of(text, old)
    path = tmp_path / "resume.json"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        _read(path, docs)
    problem = next((p for p in info.value.problems if p.path == field), None)
    assert problem is not None, str(info.value)
    assert message in problem.message, str(info.value)
    assert f"docs/resume.json:{problem.line}: {field}: " in str(info.value)
    if new:
        assert problem.line == line, str(info.value)


@pytest.mark.parametrize(("text", "line", "message"), [
    ('{\n  "basics": {"name": "A", "label": "B"},\n  "work": [1, 2,]\n}', 3, "column 17: a comma before ']' is not allowed"),
    ('{\n  "basics": {\n    "name": "A" "label": "B"}\n}', 3, "column 17: expected ',' or '}' after a field's value"),
    ('{"basics": {"name": "A\nB"}}', 1, "a line break or control character inside text"),
    ('', 1, "the document is empty"),
])
def test_json_syntax_errors_have_line_and_column(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "resume.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        read_resume(path, page_exists=lambda uri: True, display_name="docs/resume.json")
    assert f"docs/resume.json:{line}: (document): " in str(info.value) and message in str(info.value)


def test_a_yaml_file_with_basics_is_read_as_jsonresume(tmp_path: Path) -> None:
    path = tmp_path / "resume.yml"
    path.write_text("basics:\n  name: A\n  label: B\nwork:\n  - name: C\n    position: D\n    startDate: 2020\n", encoding="utf-8")
    resume = read_resume(path, page_exists=lambda uri: True)
    assert resume.source_format == "jsonresume"
    assert resume.view["experience"] == [{"company": "C", "role": "D", "start": "2020", "end": "present"}]
